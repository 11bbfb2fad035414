// Saved sequence states keyed by the tokens they hold, with least-recently-used eviction under
// a byte budget. Shared by the host-memory cache and the disk cache's index.
import { sharedPrefix } from "./prefix.ts";

export interface Entry {
  tokens: Int32Array;
  /** Bytes the entry's state takes (in memory or on disk). */
  bytes: number;
  lastUsed: number;
}

export interface Match<E extends Entry> {
  entry: E;
  /** Leading prompt tokens the entry holds. */
  shared: number;
}

export class EntryList<E extends Entry> {
  readonly #entries: E[] = [];
  #bytes = 0;

  constructor(
    private readonly budgetBytes: number,
    private readonly onEvict: (entry: E) => void = () => {},
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The entry sharing the longest prefix with the prompt. */
  find(prompt: Int32Array): Match<E> | undefined {
    let best: Match<E> | undefined;
    for (const entry of this.#entries) {
      const shared = sharedPrefix(entry.tokens, prompt);
      if (shared > (best?.shared ?? 0)) best = { entry, shared };
    }
    if (best) best.entry.lastUsed = performance.now();
    return best;
  }

  /** True when an entry already holds these tokens (or more that start with them). */
  covers(tokens: Int32Array): boolean {
    return this.#entries.some((e) => e.tokens.length >= tokens.length && sharedPrefix(e.tokens, tokens) === tokens.length);
  }

  /** Adds an entry; entries it extends are dropped (it restores them by trimming). */
  add(entry: E): boolean {
    if (entry.bytes > this.budgetBytes || this.covers(entry.tokens)) return false;
    for (const old of this.#entries.filter((e) => sharedPrefix(e.tokens, entry.tokens) === e.tokens.length)) this.remove(old);
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    while (this.#bytes > this.budgetBytes) {
      const oldest = this.#entries.reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
      this.remove(oldest);
    }
    return true;
  }

  remove(entry: E): void {
    const i = this.#entries.indexOf(entry);
    if (i < 0) return;
    this.#entries.splice(i, 1);
    this.#bytes -= entry.bytes;
    this.onEvict(entry);
  }
}
