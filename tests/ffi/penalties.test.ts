// The shim's penalties sampler against llama.cpp's own on real logits: the same window must pick
// the same token, whether the candidates are still in vocabulary order (applied by index) or
// already cut by top-k (the general path).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Context } from "../../ffi/context.ts";
import { lib } from "../../ffi/library.ts";
import type { Model } from "../../ffi/model.ts";
import { SamplerChain } from "../../ffi/sampler.ts";
import { decodedPrompt, type DecodedPrompt } from "../support/decodedPrompt.ts";
import { seededRandom } from "../support/random.ts";

let prompt: DecodedPrompt;
let model: Model;
let context: Context;
/** Batch indices of the last positions' logits. */
let outputs: number[];

beforeAll(() => {
  prompt = decodedPrompt(8, 1);
  ({ model, context, outputs } = prompt);
});
afterAll(() => prompt.free());

type Penalties = { lastN: number; repeat: number; freq: number; present: number };

function pick(kind: "llama" | "shim", p: Penalties, history: number[], idx: number, topK = 0): number {
  const l = lib();
  const chain = new SamplerChain();
  try {
    if (topK > 0) chain.add(l.llama_sampler_init_top_k(topK), "top-k");
    const n = model.vocab.size;
    chain.add(
      kind === "llama"
        ? l.llama_sampler_init_penalties(n, p.lastN, p.repeat, p.freq, p.present)
        : l.shim_sampler_penalties(n, p.lastN, p.repeat, p.freq, p.present),
      "penalties",
    );
    chain.add(l.llama_sampler_init_greedy(), "greedy");
    for (const token of history) chain.accept(token);
    return chain.sample(context, idx);
  } finally {
    chain.free();
  }
}

describe("shim_sampler_penalties", () => {
  const settings: Penalties[] = [
    { lastN: 64, repeat: 1.1, freq: 0, present: 0 },
    { lastN: 16, repeat: 1.5, freq: 0.3, present: 0.4 },
    { lastN: 8, repeat: 0.8, freq: -0.2, present: 0.1 },
    { lastN: 3, repeat: 2, freq: 0, present: 1 },
  ];

  test("picks what llama.cpp's penalties pick, over many windows (vocabulary order and after top-k)", () => {
    const next = seededRandom(7);
    let changed = 0;
    let compared = 0;
    for (const idx of outputs) {
      const plain = pick("llama", { lastN: 1, repeat: 1, freq: 0, present: 0 }, [], idx);
      for (const p of settings) {
        for (let trial = 0; trial < 25; trial++) {
          // Histories lean on the unpenalized winner and its neighbours, so penalties change picks;
          // longer than the window, so tokens also leave it.
          const history = Array.from({ length: 1 + Math.floor(next() * 2 * p.lastN) }, () =>
            next() < 0.4 ? plain : Math.max(0, Math.min(model.vocab.size - 1, plain + Math.floor(next() * 40) - 20)),
          );
          for (const topK of [0, 20]) {
            const expected = pick("llama", p, history, idx, topK);
            expect(pick("shim", p, history, idx, topK)).toBe(expected);
            compared++;
            if (expected !== plain) changed++;
          }
        }
      }
    }
    // The comparison means something only if the penalties often changed the pick.
    expect(changed).toBeGreaterThan(compared / 4);
  });

  test("an empty window changes nothing; a strong penalty moves the pick off a repeated token", () => {
    const idx = outputs.at(-1)!;
    const plain = pick("llama", { lastN: 1, repeat: 1, freq: 0, present: 0 }, [], idx);
    expect(pick("shim", { lastN: 64, repeat: 3, freq: 1, present: 1 }, [], idx)).toBe(plain);

    const l = lib();
    const chain = new SamplerChain();
    try {
      chain.add(l.shim_sampler_penalties(model.vocab.size, 64, 100, 0, 0), "penalties");
      chain.add(l.llama_sampler_init_greedy(), "greedy");
      for (let i = 0; i < 5; i++) chain.accept(plain);
      expect(chain.sample(context, idx)).not.toBe(plain);
    } finally {
      chain.free();
    }
  });

  test("refuses an empty window or vocabulary (the caller leaves penalties out instead)", () => {
    expect(lib().shim_sampler_penalties(model.vocab.size, 0, 1.1, 0, 0)).toBeNull();
    expect(lib().shim_sampler_penalties(0, 64, 1.1, 0, 0)).toBeNull();
  });
});
