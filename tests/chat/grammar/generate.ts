// Test helper: generates with a GBNF grammar in-process on the tiny real stories260K model
// (SPM vocab with byte fallback, so any UTF-8 is safe), through the project's own FFI wrappers
// and sampler chain. Needs libllama and libshim built (make setup).
import { Batch } from "../../../ffi/batch.ts";
import { Context } from "../../../ffi/context.ts";
import { captureNativeLog, drainNativeLog } from "../../../ffi/log.ts";
import { Model } from "../../../ffi/model.ts";
import { buildSamplerChain } from "../../../engine/sampling.ts";
import type { SamplingParams } from "../../../core/index.ts";
import { STORIES_260K } from "../../support/models.ts";

export interface Generation {
  text: string;
  /** The model ended (EOS), which the grammar sampler allows only once the grammar is complete. */
  complete: boolean;
  tokens: number;
}

function sampling(grammar: string, seed: number): SamplingParams {
  return {
    temperature: 1,
    topK: 0,
    topP: 1,
    minP: 0,
    repeatPenalty: 1,
    repeatLastN: 0,
    presencePenalty: 0,
    frequencyPenalty: 0,
    dryMultiplier: 0,
    dryBase: 1.75,
    dryAllowedLength: 2,
    dryPenaltyLastN: -1,
    drySequenceBreakers: [],
    xtcProbability: 0,
    xtcThreshold: 0.1,
    xtcMinKeep: 1,
    seed,
    grammar,
  };
}

export class GrammarGenerator {
  readonly #model: Model;
  readonly #context: Context;
  readonly #batch: Batch;

  constructor() {
    captureNativeLog(false);
    this.#model = Model.load(STORIES_260K, { gpuLayers: 0 });
    this.#context = new Context(this.#model, {
      contextSize: 4096,
      batchSize: 512,
      microBatchSize: 512,
      sequences: 1,
      threads: 1,
      threadsBatch: 1,
      flashAttention: 0,
      unifiedKvCache: false,
    });
    this.#batch = new Batch(512);
  }

  /** Throws when llama.cpp cannot parse the grammar (buildSamplerChain does), with its log. */
  generate(grammar: string, seed: number, maxTokens = 600, prompt = "Once upon a time"): Generation {
    let chain;
    try {
      chain = buildSamplerChain(this.#model, sampling(grammar, seed), [], 4096);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${drainNativeLog()}\n${grammar}`);
    }
    const vocab = this.#model.vocab;
    const context = this.#context;
    const batch = this.#batch;
    const bytes: number[] = [];
    try {
      context.clearSequence(0);
      const prompted = vocab.tokenize(prompt, true, false);
      batch.clear();
      prompted.forEach((token, i) => batch.add(token, i, 0, i === prompted.length - 1));
      let position = prompted.length;
      let logits = prompted.length - 1;
      for (let n = 0; n < maxTokens; n++) {
        if (context.decode(batch) !== 0) throw new Error("llama_decode failed");
        const token = chain.sample(context, logits);
        if (vocab.isEndOfGeneration(token)) return { text: Buffer.from(bytes).toString("utf8"), complete: true, tokens: n };
        bytes.push(...vocab.piece(token));
        batch.clear();
        logits = batch.add(token, position++, 0, true);
      }
      return { text: Buffer.from(bytes).toString("utf8"), complete: false, tokens: maxTokens };
    } finally {
      chain.free();
    }
  }

  close(): void {
    this.#batch.dispose();
    this.#context.free();
    this.#model.free();
  }
}
