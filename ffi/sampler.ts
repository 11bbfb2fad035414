// A llama_sampler chain; owns the chain (which owns the samplers added to it).
import type { Pointer } from "bun:ffi";
import type { Context } from "./context.ts";
import { lib } from "./library.ts";
import { SamplingBatch } from "./samplingBatch.ts";
import { asPointer } from "./strings.ts";

export class SamplerChain {
  #handle: Pointer | null;
  // Kept outside the chain: consulted only when the chain's pick breaks the grammar.
  #grammar: Pointer | null = null;
  #grammarIsLazy = false;

  constructor() {
    const handle = asPointer(lib().shim_sampler_chain_new());
    if (!handle) throw new Error("could not create a sampler chain");
    this.#handle = handle;
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("sampler chain was freed");
    return this.#handle;
  }

  /** The grammar consulted when the chain's pick breaks it (null: none). */
  get grammarHandle(): Pointer | null {
    return this.#grammar;
  }

  /** Takes ownership of a sampler made by one of llama_sampler_init_*. */
  add(sampler: Pointer | bigint | null, what: string): void {
    const handle = asPointer(sampler);
    if (!handle) throw new Error(`could not create the ${what} sampler`);
    lib().llama_sampler_chain_add(this.handle, handle);
  }

  /** The samplers in the chain, by llama.cpp's own names ("penalties", "dry", "top-k", ...). */
  names(): string[] {
    const l = lib();
    const names: string[] = [];
    for (let i = 0; i < l.llama_sampler_chain_n(this.handle); i++) names.push(String(l.llama_sampler_name(l.llama_sampler_chain_get(this.handle, i))));
    return names;
  }

  /** Constrains sampling with a grammar sampler (llama_sampler_init_grammar); takes ownership. */
  setGrammar(grammar: Pointer | bigint | null, lazy: boolean): void {
    const handle = asPointer(grammar);
    if (!handle) throw new Error("the grammar did not parse");
    this.#grammar = handle;
    this.#grammarIsLazy = lazy;
  }

  /**
   * Tokens may be forced past the sampler (a reasoning budget closing the thought) unless a
   * grammar is in force: llama.cpp aborts on a token its grammar rejects.
   */
  get canForce(): boolean {
    return !this.#grammar || this.#grammarIsLazy;
  }

  /** Records a token chosen without sampling, so penalties and a waiting grammar see it. */
  acceptForced(token: number): void {
    if (!this.canForce) throw new Error("cannot force a token under an active grammar");
    if (this.#grammar) lib().llama_sampler_accept(this.#grammar, token);
    lib().llama_sampler_accept(this.handle, token);
  }

  /** Samples from the logits at batch index idx and accepts the token (grammar included); the
   *  scheduler samples all its sequences at once through SamplingBatch itself. */
  sample(context: Context, idx: number): number {
    const one = new SamplingBatch(1);
    one.add(this, idx);
    return one.run(context)[0]!;
  }

  /** Feeds a prompt token to stateful samplers (penalties, DRY) without sampling. */
  accept(token: number): void {
    lib().llama_sampler_accept(this.handle, token);
  }

  free(): void {
    if (this.#grammar) lib().llama_sampler_free(this.#grammar);
    this.#grammar = null;
    if (!this.#handle) return;
    lib().llama_sampler_free(this.#handle);
    this.#handle = null;
  }
}
