// The prompt cache beyond the sequences: states saved out of a sequence before it is reused
// for another prompt, kept in host memory (LRU under --cache-ram) and, with --cache-dir, on disk.
import type { DiskCache } from "./diskCache.ts";
import { EntryList, type Entry } from "./entries.ts";

interface MemoryEntry extends Entry {
  state: Uint8Array;
}

export interface StoredPrefix {
  tokens: Int32Array;
  /** Leading prompt tokens it holds. */
  shared: number;
  /** The saved state; undefined when it could not be read back. */
  load(): Uint8Array | undefined;
}

export class PromptCache {
  readonly #memory: EntryList<MemoryEntry>;

  constructor(
    private readonly ramBytes: number,
    readonly disk?: DiskCache,
  ) {
    this.#memory = new EntryList<MemoryEntry>(ramBytes);
  }

  get memoryBytes(): number {
    return this.#memory.bytes;
  }

  get memoryEntries(): number {
    return this.#memory.size;
  }

  /** The saved state sharing the longest prefix with the prompt, memory first. */
  find(prompt: Int32Array): StoredPrefix | undefined {
    const inMemory = this.#memory.find(prompt);
    const onDisk = this.disk?.find(prompt);
    if (inMemory && inMemory.shared >= (onDisk?.shared ?? 0)) {
      return { tokens: inMemory.entry.tokens, shared: inMemory.shared, load: () => inMemory.entry.state };
    }
    if (onDisk) {
      const disk = this.disk!;
      return { tokens: onDisk.entry.tokens, shared: onDisk.shared, load: () => disk.read(onDisk.entry) };
    }
    return undefined;
  }

  /** Whether saving these tokens would add anything. */
  wants(tokens: Int32Array, where: { memory: boolean; disk: boolean }): boolean {
    return (where.memory && this.ramBytes > 0 && !this.#memory.covers(tokens)) || (where.disk && this.disk !== undefined && !this.disk.covers(tokens));
  }

  save(tokens: Int32Array, state: Uint8Array, where: { memory: boolean; disk: boolean }): void {
    const copy = Int32Array.from(tokens);
    if (where.memory) this.#memory.add({ tokens: copy, state, bytes: state.byteLength, lastUsed: performance.now() });
    if (where.disk) this.disk?.write(copy, state);
  }
}
