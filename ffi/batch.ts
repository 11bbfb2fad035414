// A llama_batch filled from TypeScript-owned arrays; one FFI call per decode.
import type { Pointer } from "bun:ffi";
import { lib } from "./library.ts";
import { asPointer } from "./strings.ts";

export class Batch {
  #handle: Pointer | null;
  // Kept referenced here while C reads them during shim_decode.
  readonly tokens: Int32Array;
  readonly positions: Int32Array;
  readonly seqIds: Int32Array;
  readonly wantLogits: Int8Array;
  length = 0;

  constructor(readonly capacity: number) {
    const handle = asPointer(lib().shim_batch_new(capacity));
    if (!handle) throw new Error(`could not allocate a batch of ${capacity} tokens`);
    this.#handle = handle;
    this.tokens = new Int32Array(capacity);
    this.positions = new Int32Array(capacity);
    this.seqIds = new Int32Array(capacity);
    this.wantLogits = new Int8Array(capacity);
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("batch was freed");
    return this.#handle;
  }

  get free(): number {
    return this.capacity - this.length;
  }

  clear(): void {
    this.length = 0;
  }

  /** Adds a token; returns its index in the batch (the logits index when wantLogits). */
  add(token: number, position: number, seqId: number, wantLogits: boolean): number {
    const i = this.length++;
    this.tokens[i] = token;
    this.positions[i] = position;
    this.seqIds[i] = seqId;
    this.wantLogits[i] = wantLogits ? 1 : 0;
    return i;
  }

  dispose(): void {
    if (!this.#handle) return;
    lib().shim_batch_free(this.#handle);
    this.#handle = null;
  }
}
