// Maps request sampling parameters onto a llama_sampler chain, in llama.cpp's default order
// (logit bias, penalties, DRY, top-k, top-p, min-p, XTC, temperature, dist) so results match llama-server.
import { lib } from "../ffi/library.ts";
import type { Model } from "../ffi/model.ts";
import { SamplerChain } from "../ffi/sampler.ts";
import type { SamplingParams } from "../core/index.ts";

/** llama.cpp's LLAMA_DEFAULT_SEED: pick a random seed. */
const RANDOM_SEED = 0xffffffff;

/**
 * ignore_eos: a bias no real logit overcomes, yet finite, unlike llama-server's -inf: when a
 * grammar is complete and allows nothing but the end, that token stays the only candidate and
 * still ends the turn (with -inf every candidate would be -inf, and llama.cpp aborts on the
 * grammar).
 */
const END_OF_GENERATION_BIAS = -1e9;

const eogBiases = new WeakMap<Model, Uint8Array>();

/** The llama_logit_bias array ({int32 token, float bias} each) over the model's end tokens, built once. */
function endOfGenerationBias(model: Model): Uint8Array {
  let bytes = eogBiases.get(model);
  if (bytes) return bytes;
  const vocab = model.vocab;
  const tokens: number[] = [];
  for (let token = 0; token < vocab.size; token++) if (vocab.isEndOfGeneration(token)) tokens.push(token);
  bytes = new Uint8Array(tokens.length * 8);
  const view = new DataView(bytes.buffer);
  tokens.forEach((token, i) => {
    view.setInt32(i * 8, token, true);
    view.setFloat32(i * 8 + 4, END_OF_GENERATION_BIAS, true);
  });
  eogBiases.set(model, bytes);
  return bytes;
}

/**
 * `contextSize`: the sequence's context. The penalty windows are clamped to it: a longer window
 * sees nothing more, and llama.cpp allocates the window up front (repeat_last_n 3e8 took 1 GB).
 */
export function buildSamplerChain(model: Model, params: SamplingParams, promptTokens: ArrayLike<number>, contextSize: number): SamplerChain {
  const l = lib();
  const vocab = model.vocab;
  const seed = params.seed === undefined ? RANDOM_SEED : params.seed >>> 0;
  const chain = new SamplerChain();
  try {
    const bias = params.ignoreEos ? endOfGenerationBias(model) : undefined;
    if (bias && bias.byteLength > 0) {
      chain.add(l.shim_sampler_logit_bias(vocab.size, bias.byteLength / 8, bias), "end-of-generation bias");
    }
    const penaltiesOn =
      params.repeatLastN !== 0 &&
      (params.repeatPenalty !== 1 || params.frequencyPenalty !== 0 || params.presencePenalty !== 0);
    // The most recent tokens a penalty sampler keeps: the prompt before them cannot change its state.
    let window = 0;
    if (penaltiesOn) {
      const lastN = params.repeatLastN < 0 ? contextSize : Math.min(params.repeatLastN, contextSize);
      window = lastN;
      chain.add(
        l.shim_sampler_penalties(vocab.size, lastN, params.repeatPenalty, params.frequencyPenalty, params.presencePenalty),
        "penalties",
      );
    }
    if (params.dryMultiplier > 0) {
      const breakers = params.drySequenceBreakers;
      const joined = Buffer.from(breakers.map((b) => `${b}\0`).join(""), "utf8");
      // 0 and -1 both mean the whole context (llama-server's convention for dry_penalty_last_n).
      const lastN = params.dryPenaltyLastN <= 0 ? contextSize : Math.min(params.dryPenaltyLastN, contextSize);
      window = Math.max(window, lastN);
      chain.add(
        l.shim_sampler_dry(vocab.handle, params.dryMultiplier, params.dryBase,
          params.dryAllowedLength, lastN, joined, breakers.length),
        "DRY",
      );
    }
    // Penalty samplers see the prompt as history, as llama-server's do; the grammar must not.
    for (let i = Math.max(0, promptTokens.length - window); i < promptTokens.length; i++) chain.accept(promptTokens[i]!);
    if (params.grammar !== undefined) {
      const grammar = Buffer.from(`${params.grammar}\0`);
      const root = Buffer.from("root\0");
      const triggers = params.grammarTriggers;
      const lazy = !!triggers?.length;
      chain.setGrammar(
        lazy
          ? l.shim_sampler_grammar_lazy(vocab.handle, grammar, root, Buffer.from(triggers.map((t) => `${t}\0`).join("")), triggers.length)
          : l.llama_sampler_init_grammar(vocab.handle, grammar, root),
        lazy,
      );
    }
    if (params.temperature <= 0) {
      chain.add(l.llama_sampler_init_greedy(), "greedy");
      return chain;
    }
    if (params.topK > 0) chain.add(l.shim_sampler_top_k(params.topK), "top-k");
    if (params.topP < 1) chain.add(l.llama_sampler_init_top_p(params.topP, 1), "top-p");
    if (params.minP > 0) chain.add(l.llama_sampler_init_min_p(params.minP, 1), "min-p");
    if (params.xtcProbability > 0) {
      chain.add(l.llama_sampler_init_xtc(params.xtcProbability, params.xtcThreshold, params.xtcMinKeep, seed), "XTC");
    }
    chain.add(l.llama_sampler_init_temp(params.temperature), "temperature");
    chain.add(l.llama_sampler_init_dist(seed), "dist");
    return chain;
  } catch (error) {
    chain.free();
    throw error;
  }
}
