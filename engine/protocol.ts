// Messages between the server process and a runner process (Bun IPC, one per decode step).
import type { EngineErrorInfo, FinishReason, SamplingParams, TokenLogprob } from "./types.ts";

export interface RunnerOptions {
  modelPath: string;
  contextSize: number;
  parallel: number;
  batchSize: number;
  threads: number;
  threadsBatch: number;
  gpuLayers: number;
  flashAttention: number;
  verbose: boolean;
}

/** What the server learns about a model once its runner has loaded it. */
export interface RunnerModelInfo {
  chatTemplate?: string;
  bosText: string;
  eosText: string;
  addBos: boolean;
}

export interface Job {
  id: number;
  prompt: string;
  /** Let the tokenizer add BOS (false when the rendered template already starts with it). */
  addSpecial: boolean;
  sampling: SamplingParams;
  maxTokens?: number;
  stop: string[];
  topLogprobs?: number;
  /** Render control tokens as text: tool-call and channel markers are control tokens in some families. */
  renderSpecial: boolean;
}

export type ToRunner =
  | { type: "load"; options: RunnerOptions }
  | { type: "generate"; job: Job }
  | { type: "cancel"; id: number };

export type JobUpdate =
  | { id: number; type: "start"; promptTokens: number }
  /** `tokens`: how many generated tokens this text came from (0 for a flush at the end). */
  | { id: number; type: "text"; text: string; tokens: number; logprobs?: TokenLogprob[] }
  | {
      id: number;
      type: "done";
      finishReason: FinishReason;
      promptTokens: number;
      completionTokens: number;
      promptMs: number;
      generationMs: number;
    }
  | { id: number; type: "error"; error: EngineErrorInfo };

export type FromRunner =
  | { type: "ready"; info: RunnerModelInfo }
  | { type: "updates"; updates: JobUpdate[] }
  | { type: "log"; text: string }
  | { type: "fatal"; message: string };
