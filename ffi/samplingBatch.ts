// Samples every sequence of a decode step in one call: the shim spreads the work over the
// context's threads, which wait idle between decodes (llama-server samples one slot at a time).
import { ptr } from "bun:ffi";
import type { Context } from "./context.ts";
import { lib } from "./library.ts";
import type { SamplerChain } from "./sampler.ts";

export class SamplingBatch {
  readonly #indices: Int32Array;
  readonly #chains: BigUint64Array;
  readonly #grammars: BigUint64Array;
  readonly #tokens: Int32Array;
  #count = 0;

  constructor(readonly capacity: number) {
    this.#indices = new Int32Array(capacity);
    this.#chains = new BigUint64Array(capacity);
    this.#grammars = new BigUint64Array(capacity);
    this.#tokens = new Int32Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Queues a sampler for the logits at batch index `idx`; returns its place in run()'s answer. */
  add(sampler: SamplerChain, idx: number): number {
    if (this.#count >= this.capacity) throw new Error(`more than ${this.capacity} sequences to sample`);
    this.#indices[this.#count] = idx;
    this.#chains[this.#count] = BigInt(sampler.handle);
    this.#grammars[this.#count] = BigInt(sampler.grammarHandle ?? 0);
    return this.#count++;
  }

  /** Samples and accepts every queued token; the answer is valid until the next run. */
  run(context: Context): Int32Array {
    const n = this.#count;
    this.#count = 0;
    if (n === 0) return this.#tokens.subarray(0, 0);
    const status = lib().shim_sample_many(
      context.handle, context.model.vocab.handle, n, ptr(this.#indices), ptr(this.#chains), ptr(this.#grammars), ptr(this.#tokens),
    );
    if (status !== 0) throw new Error("sampling failed: no logits at a batch index");
    return this.#tokens.subarray(0, n);
  }
}
