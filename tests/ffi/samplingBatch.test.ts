// Sampling every sequence of a step in one call (spread over the context's threads) must pick
// exactly what sampling them one at a time picks, step after step, whatever each chain holds;
// and the greedy shortcut (argmax over the raw logits) must agree with llama.cpp's greedy.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Context } from "../../ffi/context.ts";
import { lib } from "../../ffi/library.ts";
import type { Model } from "../../ffi/model.ts";
import { SamplerChain } from "../../ffi/sampler.ts";
import { SamplingBatch } from "../../ffi/samplingBatch.ts";
import { decodedPrompt, type DecodedPrompt } from "../support/decodedPrompt.ts";

const POSITIONS = 8;
let prompt: DecodedPrompt;
let model: Model;
let context: Context;
/** Batch indices of the last positions' logits. */
let outputs: number[];

beforeAll(() => {
  prompt = decodedPrompt(POSITIONS, 2);
  ({ model, context, outputs } = prompt);
});
afterAll(() => prompt.free());

type Kind = "greedy" | "greedy-general" | "dist" | "top-k" | "grammar";
const KINDS: Kind[] = ["greedy", "dist", "top-k", "grammar", "greedy-general", "dist", "top-k", "greedy"];

function chain(kind: Kind, seed: number): SamplerChain {
  const l = lib();
  const c = new SamplerChain();
  if (kind === "greedy-general") {
    // An empty logit bias first: the chain is no longer greedy alone, so llama.cpp's greedy runs.
    c.add(l.llama_sampler_init_logit_bias(model.vocab.size, 0, null), "logit bias");
  }
  if (kind === "top-k") c.add(l.llama_sampler_init_top_k(5), "top-k");
  if (kind === "grammar") {
    c.setGrammar(l.llama_sampler_init_grammar(model.vocab.handle, Buffer.from('root ::= [a-z ]+\0'), Buffer.from("root\0")), false);
  }
  if (kind === "greedy" || kind === "greedy-general") c.add(l.llama_sampler_init_greedy(), "greedy");
  else {
    c.add(l.llama_sampler_init_temp(1.5), "temperature");
    c.add(l.llama_sampler_init_dist(seed), "dist");
  }
  return c;
}

describe("SamplingBatch", () => {
  test("eight chains of every kind, five steps: one call picks what eight single calls pick", () => {
    const together = KINDS.map((k, i) => chain(k, 100 + i));
    const alone = KINDS.map((k, i) => chain(k, 100 + i));
    const sampling = new SamplingBatch(POSITIONS);
    try {
      for (let step = 0; step < 5; step++) {
        together.forEach((c, i) => sampling.add(c, outputs[i]!));
        const batched = Array.from(sampling.run(context));
        const single = alone.map((c, i) => {
          sampling.add(c, outputs[i]!);
          return sampling.run(context)[0]!;
        });
        expect(batched).toEqual(single);
        expect(batched.every((t) => t >= 0 && t < model.vocab.size)).toBe(true);
      }
    } finally {
      for (const c of [...together, ...alone]) c.free();
    }
  });

  test("the greedy shortcut picks llama.cpp's greedy token at every position", () => {
    const shortcut = chain("greedy", 0);
    const general = chain("greedy-general", 0);
    const sampling = new SamplingBatch(1);
    try {
      for (const idx of outputs) {
        sampling.add(shortcut, idx);
        const fast = sampling.run(context)[0];
        sampling.add(general, idx);
        expect(fast).toBe(sampling.run(context)[0]!);
      }
    } finally {
      shortcut.free();
      general.free();
    }
  });

  test("chains sharing one logits row (greedy after penalties) pick what each picks alone", () => {
    const l = lib();
    const idx = outputs.at(-1)!;
    const penalized = (history: number[]) => {
      const c = new SamplerChain();
      c.add(l.shim_sampler_penalties(model.vocab.size, 16, 3, 0.5, 0.5), "penalties");
      c.add(l.llama_sampler_init_greedy(), "greedy");
      for (const token of history) c.accept(token);
      return c;
    };
    // Each history pushes a different set of tokens down, so the picks differ.
    const histories = Array.from({ length: 8 }, (_, i) => Array.from({ length: i }, (_, j) => j * 7 + i));
    const together = histories.map(penalized);
    const alone = histories.map(penalized);
    const sampling = new SamplingBatch(histories.length);
    try {
      for (let step = 0; step < 5; step++) {
        together.forEach((c) => sampling.add(c, idx));
        const batched = Array.from(sampling.run(context));
        const single = alone.map((c) => {
          sampling.add(c, idx);
          return sampling.run(context)[0]!;
        });
        expect(batched).toEqual(single);
      }
    } finally {
      for (const c of [...together, ...alone]) c.free();
    }
  });

  test("a grammar steers the pick: every sampled piece is lowercase letters or spaces", () => {
    const sampling = new SamplingBatch(POSITIONS);
    const chains = outputs.map((_, i) => chain("grammar", i));
    try {
      chains.forEach((c, i) => sampling.add(c, outputs[i]!));
      for (const token of sampling.run(context)) expect(new TextDecoder().decode(model.vocab.piece(token, false))).toMatch(/^[a-z ]+$/);
    } finally {
      for (const c of chains) c.free();
    }
  });

  test("an index without logits fails the whole call, and more sequences than room is refused", () => {
    const c = chain("greedy", 0);
    const sampling = new SamplingBatch(1);
    try {
      sampling.add(c, 63);
      expect(() => sampling.run(context)).toThrow(/no logits/);
      sampling.add(c, outputs[0]!);
      expect(() => sampling.add(c, outputs[0]!)).toThrow(/more than 1/);
    } finally {
      c.free();
    }
  });
});
