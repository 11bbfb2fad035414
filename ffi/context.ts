// A llama_context with several sequences; owns its pointer.
import { ptr, type Pointer } from "bun:ffi";
import type { Batch } from "./batch.ts";
import { lib } from "./library.ts";
import { drainNativeLog } from "./log.ts";
import type { Model } from "./model.ts";
import { asPointer } from "./strings.ts";

export interface ContextOptions {
  contextSize: number;
  batchSize: number;
  microBatchSize: number;
  sequences: number;
  threads: number;
  threadsBatch: number;
  /** -1 auto, 0 off, 1 on. */
  flashAttention: number;
  unifiedKvCache: boolean;
}

export class Context {
  #handle: Pointer | null;
  readonly #memory: Pointer;

  constructor(readonly model: Model, options: ContextOptions) {
    const handle = asPointer(lib().shim_context_new(
      model.handle,
      options.contextSize,
      options.batchSize,
      options.microBatchSize,
      options.sequences,
      options.threads,
      options.threadsBatch,
      options.flashAttention,
      options.unifiedKvCache,
    ));
    if (!handle) {
      const detail = drainNativeLog().trim().split("\n").slice(-3).join(" | ");
      throw new Error(`failed to create a context${detail ? `: ${detail}` : ""}`);
    }
    this.#handle = handle;
    this.#memory = asPointer(lib().llama_get_memory(handle))!;
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("context was freed");
    return this.#handle;
  }

  get size(): number {
    return lib().llama_n_ctx(this.handle);
  }

  /** Tokens one sequence may hold. */
  get sizePerSequence(): number {
    return lib().llama_n_ctx_seq(this.handle);
  }

  /** 0 ok; 1 no KV slot; 2 aborted; negative: invalid batch or fatal error. */
  decode(batch: Batch): number {
    return lib().shim_decode(
      this.handle, batch.handle, batch.length, batch.tokens, batch.positions, batch.seqIds, batch.wantLogits,
    );
  }

  /** Flash attention for the following decodes; the KV layout stays as created. */
  setFlashAttention(on: boolean): void {
    lib().llama_set_flash_attn(this.handle, on);
  }

  /** Drops a sequence's cached tokens from position `from` on (all when 0). */
  clearSequence(seqId: number, from = 0): void {
    lib().llama_memory_seq_rm(this.#memory, seqId, from, -1);
  }

  /** Drops positions from `from` on; false when the memory cannot cut a sequence partway. */
  truncateSequence(seqId: number, from: number): boolean {
    return lib().llama_memory_seq_rm(this.#memory, seqId, from, -1);
  }

  /** Smallest and largest positions a sequence holds (-1 when empty). */
  positions(seqId: number): { min: number; max: number } {
    return { min: lib().llama_memory_seq_pos_min(this.#memory, seqId), max: lib().llama_memory_seq_pos_max(this.#memory, seqId) };
  }

  /** Copies a whole sequence's KV into another (applied before the next decode). */
  copySequence(from: number, to: number): void {
    lib().llama_memory_seq_cp(this.#memory, from, to, -1, -1);
  }

  /** A sequence's KV state as bytes, for the prompt cache. `reuse`: a buffer to write into when
   *  it is large enough (its pages are already mapped: filling a fresh one costs a page fault
   *  per 4 KiB, 65-85 ms for 21 MB on these VMs). */
  saveSequence(seqId: number, reuse?: Uint8Array): Uint8Array {
    const size = Number(lib().llama_state_seq_get_size(this.handle, seqId));
    const data = reuse && reuse.byteLength >= size ? reuse.subarray(0, size) : new Uint8Array(new ArrayBuffer(size));
    const written = Number(lib().llama_state_seq_get_data(this.handle, ptr(data), size, seqId));
    if (written !== size) throw new Error(`llama_state_seq_get_data wrote ${written} of ${size} bytes`);
    return data;
  }

  /** Loads saved state into a sequence (which should be empty); false when llama.cpp refuses it. */
  restoreSequence(seqId: number, data: Uint8Array): boolean {
    if (data.byteLength === 0) return false;
    return Number(lib().llama_state_seq_set_data(this.handle, ptr(data), data.byteLength, seqId)) > 0;
  }

  /** Puts the pool threads to sleep until the next decode: call when there is nothing to decode
   *  (they would otherwise poll for the next graph, on a core, for about 130 ms). */
  idle(): void {
    lib().shim_context_idle(this.handle);
  }

  free(): void {
    if (!this.#handle) return;
    lib().shim_context_free(this.#handle);
    this.#handle = null;
  }
}
