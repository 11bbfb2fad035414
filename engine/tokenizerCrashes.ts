// Prompts that crashed a tokenizer process, by hash, so a repeat is refused without a crash.
const DEFAULT_CAPACITY = 4096;

export class TokenizerCrashes {
  // Insertion-ordered: the oldest entry goes first once the memory is full.
  readonly #hashes = new Set<string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** sha256 of the exact prompt text and whether special tokens (BOS) are added. */
  static key(prompt: string, addSpecial: boolean): string {
    return new Bun.CryptoHasher("sha256").update(prompt).update(addSpecial ? "\u0001" : "\u0000").digest("hex");
  }

  has(key: string): boolean {
    return this.#hashes.has(key);
  }

  add(key: string): void {
    this.#hashes.add(key);
    if (this.#hashes.size > this.capacity) this.#hashes.delete(this.#hashes.values().next().value!);
  }

  get size(): number {
    return this.#hashes.size;
  }
}
