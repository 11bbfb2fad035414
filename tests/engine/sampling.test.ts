// The sampler chain a request's parameters build, read back from llama.cpp by the samplers' own
// names: a parameter that stopped reaching its sampler would change the chain.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolveSampling, type SamplingParams } from "../../core/index.ts";
import { buildSamplerChain } from "../../engine/sampling.ts";
import { Model } from "../../ffi/model.ts";
import { STORIES_260K } from "../support/models.ts";

let model: Model;
beforeAll(() => {
  model = Model.load(STORIES_260K, { gpuLayers: 0 });
});
afterAll(() => model.free());

function chainOf(params: Partial<SamplingParams>): string[] {
  const chain = buildSamplerChain(model, resolveSampling(params), [1, 2, 3], 512);
  try {
    return chain.names();
  } finally {
    chain.free();
  }
}

describe("buildSamplerChain", () => {
  test("every sampler, in llama.cpp's default order, when each is switched on", () => {
    expect(
      chainOf({
        ignoreEos: true, repeatPenalty: 1.3, repeatLastN: 32, presencePenalty: 0.2, dryMultiplier: 0.8, topK: 20, topP: 0.95,
        minP: 0.05, xtcProbability: 0.5, temperature: 0.9, seed: 1,
      }),
    ).toEqual(["logit-bias", "penalties", "dry", "top-k", "top-p", "min-p", "xtc", "temp", "dist"]);
  });

  test("the server's defaults: penalties (repeat 1.1), top-k, top-p, temperature, dist", () => {
    expect(chainOf({})).toEqual(["penalties", "top-k", "top-p", "temp", "dist"]);
  });

  test("off means absent: penalty 1, top_k 0, top_p 1, min_p 0, DRY and XTC 0", () => {
    expect(chainOf({ repeatPenalty: 1, topK: 0, topP: 1, minP: 0, dryMultiplier: 0, xtcProbability: 0 })).toEqual(["temp", "dist"]);
    expect(chainOf({ repeatPenalty: 1.5, repeatLastN: 0 })).not.toContain("penalties");
  });

  test("temperature 0 is greedy, whatever else is set", () => {
    expect(chainOf({ temperature: 0, topK: 5, minP: 0.1 })).toEqual(["penalties", "greedy"]);
  });
});
