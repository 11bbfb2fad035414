// The one internal contract: every wire protocol translates onto GenerateRequest and consumes
// GenerateEvents. No protocol's shape leaks in here.
import type { ChatMessage } from "./content.ts";
import type { EngineErrorInfo } from "./errors.ts";
import type { SamplingParams } from "./sampling.ts";

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
  /**
   * Arguments the grammar cannot enforce exactly are relaxed to their plain type rather than
   * refused (Anthropic tools); the client then validates them itself.
   */
  relaxSchema?: boolean;
}

/** "none": never call; "auto": the model decides; "required" or a named function: must call. */
export type ToolChoice = "none" | "auto" | "required" | { name: string };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object"; schema?: Record<string, unknown> }
  | { type: "json_schema"; name?: string; schema: Record<string, unknown>; strict?: boolean }
  /** A raw GBNF grammar (llama-server's `grammar` field). */
  | { type: "grammar"; grammar: string };

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";

export interface ReasoningOptions {
  /** Thinking on or off, for templates that read `enable_thinking`. */
  enabled: boolean;
  effort: ReasoningEffort;
  /** At most this many reasoning tokens (Anthropic budget_tokens); undefined = no bound. */
  budgetTokens?: number;
}

/** Who sent a request and under which ids: set by the HTTP layer, used for accounting. */
export interface RequestCaller {
  /** The client's request id (its metadata.request_id) or a generated one; echoed in x-request-id. */
  requestId: string;
  /** This server's id for this one execution (a UUID). */
  executionId: string;
  /** The API: "chat-completions", "messages", "responses". */
  endpoint: string;
  /** The authenticated token's id; undefined with auth off. */
  tokenId?: string;
  /** The groups that token may use; undefined = any. */
  tokenGroups?: string[];
  /** metadata.mode as the client sent it. */
  mode?: string;
}

/** What a finished request cost: added to its "done" event by the accounting layer. */
export interface Receipt {
  executionId: string;
  requestId: string;
  creditsCharged: number;
  /** A group execution paused for approval of the tool calls it ended with (POST /v1/chat/resume). */
  approval?: { approvalId: string; expiresAt: string };
}

/** A paused group execution continued: which of its pending tool calls run, which are denied. */
export interface ResumeDecision {
  approvalId: string;
  approvedToolExecutionIds: string[];
  deniedTools: { toolExecutionId: string; reason?: string }[];
}

export interface GenerateRequest {
  /** The model name or alias as the client sent it. */
  model: string;
  /** Who asked (accounting); absent in tests of the protocol layers alone. */
  caller?: RequestCaller;
  /** Continues a group execution paused for approval (model is then "group:<uuid>"). */
  resume?: ResumeDecision;
  messages: ChatMessage[];
  /** What the request says; the engine fills the rest from the model's defaults, then the server's. */
  sampling: Partial<SamplingParams>;
  /** undefined = until the end of the sequence's context. */
  maxTokens?: number;
  /** Never part of the output, even when split across tokens. */
  stop: string[];
  /** undefined = no logprobs; otherwise the number of alternatives per token (0..20). */
  topLogprobs?: number;
  /** Echo the rendered prompt back in the first event. */
  returnPrompt: boolean;
  tools?: ToolDefinition[];
  /** Default "auto" when tools are given. */
  toolChoice?: ToolChoice;
  /** Several calls in one turn (default true). */
  parallelToolCalls?: boolean;
  /** Prefix of generated tool-call ids: "call_" (OpenAI), "toolu_" (Anthropic), "fc_"... */
  toolCallIdPrefix?: string;
  responseFormat?: ResponseFormat;
  /** Default: enabled, medium effort. */
  reasoning?: ReasoningOptions;
  /** Reuse cached prompt prefixes (default true); false processes the whole prompt again. */
  cachePrompt?: boolean;
  /** Steers the request to the sequence that served the same key before (a cache hint). */
  cacheKey?: string;
  /**
   * Choices for one prompt (default 1): the prompt is processed once, each choice samples on its
   * own (seed, seed+1, ...). At most the model's parallel sequences. Only Chat Completions sets it.
   */
  n?: number;
}

export interface TopLogprob {
  token: string;
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TopLogprob {
  top: TopLogprob[];
}

/** Why a generation ended: the model's end token, a stop string, the token limit, or tool calls. */
export type FinishReason = "eos" | "stop_sequence" | "max_tokens" | "tool_calls";

export interface Usage {
  promptTokens: number;
  /** Prompt tokens served from the prompt cache instead of being processed again. */
  cachedPromptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** Completion tokens per second of decoding, prompt processing excluded. */
  tokensPerSecond: number;
  /** Milliseconds spent on the prompt (prompt processing). */
  promptMs: number;
  /** Milliseconds spent generating. */
  generationMs: number;
}

/**
 * The events of one generation. With n = 1 (the default) no event carries `choice` and there is
 * no "choice_done": one "done" ends the generation. With n > 1, content events carry the
 * `choice` they belong to (0..n-1), each choice ends with its own "choice_done", and one final
 * "done" follows the last of them with the usage of the whole request (see ChoiceDone).
 */
export type GenerateEvent =
  /** The prompt was tokenized and admitted; the stream can begin. */
  | { type: "start"; promptTokens: number; prompt?: string }
  | { type: "text"; text: string; logprobs?: TokenLogprob[]; choice?: number }
  | { type: "reasoning"; text: string; choice?: number }
  | { type: "tool_call_start"; index: number; id: string; name: string; choice?: number }
  | { type: "tool_call_delta"; index: number; argumentsDelta: string; choice?: number }
  | { type: "tool_call_end"; index: number; choice?: number }
  | ChoiceDone
  /**
   * The generation ended. With n > 1: finishReason and stopSequence are choice 0's (each
   * choice's own came in its "choice_done"), and usage sums the choices' completion and
   * reasoning tokens while counting the prompt once.
   */
  | { type: "done"; finishReason: FinishReason; stopSequence?: string; usage: Usage; receipt?: Receipt }
  | { type: "error"; error: EngineErrorInfo };

/**
 * One choice of several (n > 1) ended. `usage`: the shared prompt's counts and this choice's
 * own completion and reasoning tokens. `stopSequence`: the stop string that matched, when
 * finishReason is "stop_sequence".
 */
export interface ChoiceDone {
  type: "choice_done";
  choice: number;
  finishReason: FinishReason;
  stopSequence?: string;
  usage: Usage;
}

/** unloaded → loading → loaded → (idle for its ttl, evicted, or unloaded) → unloaded; failed keeps the load error. */
export type ModelStatus = "unloaded" | "loading" | "loaded" | "failed";

export interface ModelCapabilities {
  tools: boolean;
  reasoning: boolean;
  vision: boolean;
  audio: boolean;
}

export interface ModelInfo {
  /** The id clients use. */
  id: string;
  /** Unix seconds when it was registered. */
  created: number;
  ownedBy: string;
  status: ModelStatus;
  /** Other names reaching it: exact names and glob patterns, `default` for the default model. */
  aliases: string[];
  /** From the chat template (and the projector, for vision and audio); undefined until known. */
  capabilities?: ModelCapabilities;
  /** Tokens of context one request may use. */
  contextLength?: number;
  /** Estimated host and GPU memory while loaded (weights, KV cache, compute buffers). */
  memory?: { ramBytes: number; vramBytes: number };
  /** Why the last load failed (status "failed"). */
  loadError?: string;
  /** Credits per 1K prompt / completion tokens (the usage ledger); undefined = free. */
  price?: { prompt: number; completion: number };
}

/** What the HTTP layer needs from the engine. */
export interface Engine {
  listModels(): ModelInfo[];
  /** The model id a request's `model` names (an id, an alias, `default`, a pattern), if any. */
  resolveModel(name: string): string | undefined;
  /** Loads a model now (admin); resolves once it is loaded. */
  loadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }>;
  /** Unloads a model once its running requests end (admin). */
  unloadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }>;
  /**
   * Runs one generation. Errors before the "start" event come as an "error" event too, so a
   * route can await the first event and still choose its HTTP status.
   */
  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent>;
  /** Tokens of the prompt the request renders to (count_tokens, input_tokens). */
  countTokens(req: GenerateRequest): Promise<number | { error: EngineErrorInfo }>;
}
