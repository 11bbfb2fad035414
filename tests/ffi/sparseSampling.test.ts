// Greedy and top-k after our bias and penalty samplers skip the full candidate array: only the
// tokens those samplers change go through them, the rest keep their raw logits. They must pick
// what llama.cpp's own samplers pick over the whole vocabulary, and leave the logits as they were.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lib } from "../../ffi/library.ts";
import { SamplerChain } from "../../ffi/sampler.ts";
import { decodedPrompt, type DecodedPrompt } from "../support/decodedPrompt.ts";
import { seededRandom } from "../support/random.ts";

let prompt: DecodedPrompt;
beforeAll(() => (prompt = decodedPrompt(8, 1)));
afterAll(() => prompt.free());

/** The k most likely tokens at a position and their log-probabilities, from the raw logits. */
function top(idx: number, k: number): { ids: number[]; logprobs: number[] } {
  const ids = new Int32Array(k);
  const logprobs = new Float32Array(k);
  lib().shim_logprobs(prompt.context.handle, prompt.model.vocab.handle, idx, 0, k, ids, logprobs);
  return { ids: Array.from(ids), logprobs: Array.from(logprobs) };
}

function biasBytes(biases: [number, number][]): Uint8Array {
  const bytes = new Uint8Array(biases.length * 8);
  const view = new DataView(bytes.buffer);
  biases.forEach(([token, bias], i) => {
    view.setInt32(i * 8, token, true);
    view.setFloat32(i * 8 + 4, bias, true);
  });
  return bytes;
}

interface Setting {
  biases: [number, number][];
  lastN: number;
  repeat: number;
  freq: number;
  present: number;
  history: number[];
}

/** `draws` picks at `idx` (each accepted) from the setting's bias and penalties, ours or
 *  llama.cpp's, then `tail`, after the setting's history. */
function draws(kind: "ours" | "llama", s: Setting, idx: number, tail: (chain: SamplerChain) => void, count = 1): number[] {
  const l = lib();
  const n = prompt.model.vocab.size;
  const chain = new SamplerChain();
  try {
    const bias = biasBytes(s.biases);
    chain.add(kind === "ours" ? l.shim_sampler_logit_bias(n, s.biases.length, bias) : l.llama_sampler_init_logit_bias(n, s.biases.length, bias), "bias");
    chain.add(
      kind === "ours" ? l.shim_sampler_penalties(n, s.lastN, s.repeat, s.freq, s.present) : l.llama_sampler_init_penalties(n, s.lastN, s.repeat, s.freq, s.present),
      "penalties",
    );
    tail(chain);
    for (const token of s.history) chain.accept(token);
    return Array.from({ length: count }, () => chain.sample(prompt.context, idx));
  } finally {
    chain.free();
  }
}

/** Biases on the leaders and on random tokens, pushing either way; a history that repeats the
 *  leaders, so penalties matter too. */
function randomSetting(next: () => number, leaders: number[]): Setting {
  const size = prompt.model.vocab.size;
  const anyToken = () => (next() < 0.5 ? leaders[Math.floor(next() * leaders.length)]! : Math.floor(next() * size));
  const biases: [number, number][] = Array.from({ length: Math.floor(next() * 4) }, () => [
    anyToken(),
    (next() - 0.5) * (next() < 0.2 ? 2e9 : 4 + next() * 16),
  ]);
  const lastN = 1 + Math.floor(next() * 64);
  const history = Array.from({ length: Math.floor(next() * 2 * lastN) }, anyToken);
  return { biases, lastN, repeat: 0.5 + next() * 2, freq: next() - 0.3, present: next() - 0.3, history };
}

/** `topK` > 0 adds top-k after the penalties: the chain then takes the general path over every candidate. */
function pick(kind: "ours" | "llama", s: Setting, idx: number, topK = 0): number {
  const l = lib();
  return draws(kind, s, idx, (chain) => {
    if (topK > 0) chain.add(l.llama_sampler_init_top_k(topK), "top-k");
    chain.add(l.llama_sampler_init_greedy(), "greedy");
  })[0]!;
}

describe("greedy after bias and penalties", () => {
  test("picks what llama.cpp's samplers pick over the whole vocabulary (and so does the general path)", () => {
    const next = seededRandom(11);
    let compared = 0;
    let changed = 0;
    let touchedWon = 0;
    for (const idx of prompt.outputs) {
      const { ids } = top(idx, 8);
      const plain = ids[0]!;
      for (let trial = 0; trial < 60; trial++) {
        const s = randomSetting(next, ids);
        const expected = pick("llama", s, idx);
        expect(pick("ours", s, idx)).toBe(expected);
        // Our bias sampler over the whole vocabulary, as chains that sample from a distribution use it.
        expect(pick("ours", s, idx, 3)).toBe(pick("llama", s, idx, 3));
        compared++;
        if (expected !== plain) changed++;
        if (s.biases.some(([t]) => t === expected) || s.history.includes(expected)) touchedWon++;
      }
    }
    // Meaningful only if the samplers often moved the pick, and a changed token often won.
    expect(changed).toBeGreaterThan(compared / 4);
    expect(touchedWon).toBeGreaterThan(compared / 4);
  });

  test("leaves the logits as they were", () => {
    for (const idx of prompt.outputs) {
      const before = top(idx, 10);
      const s: Setting = { biases: [[before.ids[0]!, -5]], lastN: 16, repeat: 1.5, freq: 0.2, present: 0.1, history: before.ids.slice(0, 6) };
      expect(pick("ours", s, idx)).toBe(pick("llama", s, idx));
      expect(top(idx, 10)).toEqual(before);
    }
  });
});

interface TopKSetting extends Setting {
  k: number;
  topP: number;
  temperature: number;
  seed: number;
}

/** Bias, penalties, top-k, top-p, temperature, dist: five picks in a row (each accepted). */
function topKPicks(kind: "ours" | "llama", s: TopKSetting, idx: number): number[] {
  const l = lib();
  const tail = (chain: SamplerChain) => {
    chain.add(kind === "ours" ? l.shim_sampler_top_k(s.k) : l.llama_sampler_init_top_k(s.k), "top-k");
    chain.add(l.llama_sampler_init_top_p(s.topP, 1), "top-p");
    chain.add(l.llama_sampler_init_temp(s.temperature), "temperature");
    chain.add(l.llama_sampler_init_dist(s.seed), "dist");
  };
  return draws(kind, s, idx, tail, 5);
}

describe("top-k after bias and penalties", () => {
  test("picks what llama.cpp's samplers pick, draw after draw", () => {
    const next = seededRandom(23);
    let compared = 0;
    let varied = 0;
    let outsideTop = 0;
    for (const idx of prompt.outputs) {
      const { ids } = top(idx, 8);
      for (let trial = 0; trial < 30; trial++) {
        const s: TopKSetting = {
          ...randomSetting(next, ids),
          k: 1 + Math.floor(next() * 100), topP: 0.5 + next() * 0.5, temperature: 0.3 + next() * 1.5, seed: Math.floor(next() * 1e6),
        };
        const expected = topKPicks("llama", s, idx);
        expect(topKPicks("ours", s, idx)).toEqual(expected);
        compared++;
        if (new Set(expected).size > 1) varied++;
        if (expected.some((t) => !ids.includes(t))) outsideTop++;
      }
    }
    // Meaningful only if the draws often differ and often leave the raw top 8.
    expect(varied).toBeGreaterThan(compared / 4);
    expect(outsideTop).toBeGreaterThan(compared / 10);
  });

  test("leaves the logits as they were", () => {
    for (const idx of prompt.outputs) {
      const before = top(idx, 10);
      const s: TopKSetting = {
        biases: [[before.ids[0]!, -5]], lastN: 16, repeat: 1.5, freq: 0.2, present: 0.1, history: before.ids.slice(0, 6),
        k: 40, topP: 0.9, temperature: 0.8, seed: 7,
      };
      expect(topKPicks("ours", s, idx)).toEqual(topKPicks("llama", s, idx));
      expect(top(idx, 10)).toEqual(before);
    }
  });
});
