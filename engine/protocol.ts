// Messages between the server process and its children: a runner (one line per decode step)
// and a tokenizer (one prompt at a time), each over its own Unix socket.
import type { EngineErrorInfo, FinishReason, SamplingParams, TokenLogprob } from "../core/index.ts";

/** What the runner can tell apart; "tool_calls" is decided by the output parser. */
export type RunnerFinishReason = Exclude<FinishReason, "tool_calls">;

export interface RunnerOptions {
  modelPath: string;
  contextSize: number;
  parallel: number;
  batchSize: number;
  threads: number;
  threadsBatch: number;
  gpuLayers: number;
  flashAttention: number;
  /** One KV buffer shared by every sequence, so one request may use more than ctx/parallel. */
  kvUnified: boolean;
  /** Host memory for prompt-cache entries saved out of the sequences; 0 = none. */
  cacheRamMiB: number;
  /** Folder where prompt-cache entries are also written, so a restarted runner reuses them. */
  cacheDir?: string;
  /** Multimodal projector (mmproj GGUF): loaded with the model, its media decoded in the runner. */
  mmproj?: string;
  verbose: boolean;
}

/** What the server learns about a model once its runner has loaded it. */
export interface RunnerModelInfo {
  chatTemplate?: string;
  bosText: string;
  eosText: string;
  addBos: boolean;
  /** Tokens of context one request may use. */
  contextPerSequence: number;
  /** What the loaded projector takes (both false without one). */
  vision: boolean;
  audio: boolean;
}

/** A media file staged for the runner: read (and deleted) by it, never sent through the channel. */
export interface MediaRef {
  path: string;
  kind: "image" | "audio";
  /** SHA-256 of the file: an image's bitmap id in the runner (keying its chunks and the prompt cache), not hashed again there. */
  id: string;
  /** The request field it came from, for errors. */
  param: string;
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
  /** At most this many tokens of reasoning, then the close tag is forced (Anthropic budget_tokens). */
  reasoningBudget?: ReasoningBudget;
  /** Choices for one prompt (default 1): the prompt is decoded once and its KV copied. */
  n?: number;
  /** Reuse cached prompt prefixes (default true; llama-server's cache_prompt). */
  cachePrompt?: boolean;
  /** Prefer the sequence that last served this key (Responses' prompt_cache_key). */
  cacheKey?: string;
  /** Images and audio, one per media marker of the prompt, in order. */
  media?: MediaRef[];
}

/**
 * A job as the runner receives it: the prompt already tokenized by the model's tokenizer process.
 * A prompt with media comes as text (empty `tokens`): libmtmd tokenizes it with its files, so the
 * model's own image and audio tokens surround each one.
 */
export interface RunnerJob extends Omit<Job, "prompt" | "addSpecial" | "media"> {
  tokens: number[];
  multimodal?: { prompt: string; addSpecial: boolean; files: MediaRef[] };
}

export interface ReasoningBudget {
  tokens: number;
  /** The tags that open and close reasoning in this model's output, e.g. <think> and </think>. */
  open: string;
  close: string;
  /** The prompt already opened the reasoning block. */
  startsOpen: boolean;
}

export type ToRunner =
  | { type: "load"; options: RunnerOptions }
  /** `following`: jobs the server is still tokenizing, which it will send next. */
  | { type: "generate"; job: RunnerJob; following: number }
  /** Tokens of a prompt with media (count_tokens): only libmtmd knows what its media take. */
  | { type: "count"; id: number; multimodal: NonNullable<RunnerJob["multimodal"]> }
  | { type: "cancel"; id: number };

export type JobUpdate =
  | { id: number; type: "start"; promptTokens: number }
  /** `tokens`: how many generated tokens this text came from (0 for a flush at the end). */
  /** `choice`: which of the job's n choices (absent = 0). */
  | { id: number; type: "text"; text: string; tokens: number; logprobs?: TokenLogprob[]; choice?: number }
  | {
      id: number;
      type: "done";
      finishReason: RunnerFinishReason;
      /** The stop string that ended the turn. */
      stopSequence?: string;
      promptTokens: number;
      /** Prompt tokens whose KV came from the prompt cache rather than being decoded. */
      cachedTokens: number;
      completionTokens: number;
      /** Which choice ended; a job with n choices ends after n done updates. */
      choice?: number;
      promptMs: number;
      generationMs: number;
    }
  | { id: number; type: "error"; error: EngineErrorInfo };

export type FromRunner =
  | { type: "ready"; info: RunnerModelInfo }
  | { type: "updates"; updates: JobUpdate[] }
  | { type: "counted"; id: number; count: number }
  | { type: "counted"; id: number; error: EngineErrorInfo }
  | { type: "log"; text: string }
  | { type: "fatal"; message: string };

/** What the server learns from a model's tokenizer process. */
export interface TokenizerInfo {
  /** The most input bytes one token covers; 0 when the tokenizer normalizes (no byte bound holds). */
  maxTokenBytes: number;
}

export type ToTokenizer =
  | { type: "load"; modelPath: string; verbose: boolean }
  /** `limit`: the tokens come back only when there are at most this many (the count always does). */
  | { type: "tokenize"; id: number; prompt: string; addSpecial: boolean; limit: number };

export type FromTokenizer =
  | { type: "ready"; info: TokenizerInfo }
  | { type: "tokens"; id: number; count: number; tokens?: number[] }
  | { type: "error"; id: number; message: string }
  | { type: "fatal"; message: string };
