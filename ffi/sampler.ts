// A llama_sampler chain; owns the chain (which owns the samplers added to it).
import type { Pointer } from "bun:ffi";
import type { Context } from "./context.ts";
import { lib } from "./library.ts";
import { asPointer } from "./strings.ts";

export class SamplerChain {
  #handle: Pointer | null;

  constructor() {
    const handle = asPointer(lib().shim_sampler_chain_new());
    if (!handle) throw new Error("could not create a sampler chain");
    this.#handle = handle;
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("sampler chain was freed");
    return this.#handle;
  }

  /** Takes ownership of a sampler made by one of llama_sampler_init_*. */
  add(sampler: Pointer | bigint | null, what: string): void {
    const handle = asPointer(sampler);
    if (!handle) throw new Error(`could not create the ${what} sampler`);
    lib().llama_sampler_chain_add(this.handle, handle);
  }

  /** Samples from the logits at batch index idx and accepts the token into the chain. */
  sample(context: Context, idx: number): number {
    return lib().llama_sampler_sample(this.handle, context.handle, idx);
  }

  /** Feeds a prompt token to stateful samplers (penalties, DRY) without sampling. */
  accept(token: number): void {
    lib().llama_sampler_accept(this.handle, token);
  }

  free(): void {
    if (!this.#handle) return;
    lib().llama_sampler_free(this.#handle);
    this.#handle = null;
  }
}
