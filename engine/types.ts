// The one internal contract: every wire protocol translates onto GenerateRequest and
// consumes GenerateEvents. No protocol shape leaks in here.

export type Role = "system" | "user" | "assistant" | "tool";

export type MessagePart = { type: "text"; text: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments object. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: MessagePart[];
  /** Assistant turns that called tools. */
  toolCalls?: ToolCall[];
  /** Tool results answer this call id. */
  toolCallId?: string;
  /** Previous reasoning of an assistant turn, when the client sends it back. */
  reasoning?: string;
  /** Participant name; templates that know it print it. */
  name?: string;
}

export interface SamplingParams {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  /** Tokens considered by the repetition penalties; -1 = whole context, 0 = off. */
  repeatLastN: number;
  presencePenalty: number;
  frequencyPenalty: number;
  dryMultiplier: number;
  dryBase: number;
  dryAllowedLength: number;
  /** 0 = whole context, -1 = whole context as well (llama.cpp convention). */
  dryPenaltyLastN: number;
  drySequenceBreakers: string[];
  xtcProbability: number;
  xtcThreshold: number;
  xtcMinKeep: number;
  /** undefined = random seed. */
  seed?: number;
  /** GBNF grammar constraining the output (structured output, forced tool calls). */
  grammar?: string;
  /** The grammar applies only from the first match of one of these patterns (tool_choice auto). */
  grammarTriggers?: string[];
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
}

/** "none": never call; "auto": the model decides; "required" or a named function: must call. */
export type ToolChoice = "none" | "auto" | "required" | { name: string };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name?: string; schema: Record<string, unknown>; strict?: boolean };

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";

export interface ReasoningOptions {
  /** Thinking on or off, for templates that read `enable_thinking`. */
  enabled: boolean;
  effort: ReasoningEffort;
}

export interface GenerateRequest {
  /** The model name or alias as the client sent it. */
  model: string;
  messages: ChatMessage[];
  sampling: SamplingParams;
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
  responseFormat?: ResponseFormat;
  /** Default: enabled, medium effort. */
  reasoning?: ReasoningOptions;
}

export interface TopLogprob {
  token: string;
  bytes: number[];
  logprob: number;
}

export interface TokenLogprob extends TopLogprob {
  top: TopLogprob[];
}

export type FinishReason = "stop" | "length" | "tool_calls";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** Completion tokens per second of decoding, prompt processing excluded. */
  tokensPerSecond: number;
  /** Milliseconds spent on the prompt (prompt processing). */
  promptMs: number;
  /** Milliseconds spent generating. */
  generationMs: number;
}

export type GenerateEvent =
  /** The prompt was tokenized and admitted; the stream can begin. */
  | { type: "start"; promptTokens: number; prompt?: string }
  | { type: "text"; text: string; logprobs?: TokenLogprob[] }
  | { type: "reasoning"; text: string }
  | { type: "tool_call_start"; index: number; id: string; name: string }
  | { type: "tool_call_delta"; index: number; argumentsDelta: string }
  | { type: "tool_call_end"; index: number }
  | { type: "done"; finishReason: FinishReason; usage: Usage }
  | { type: "error"; error: EngineErrorInfo };

export interface EngineErrorInfo {
  /** HTTP status the protocol layer should answer with. */
  status: number;
  /** Machine-readable code, e.g. "context_length_exceeded", "runner_crashed". */
  code: string;
  message: string;
  param?: string;
}

export interface ModelInfo {
  /** The id clients use (alias when one was given). */
  id: string;
  /** Unix seconds when it was registered. */
  created: number;
  ownedBy: string;
  ready: boolean;
}

/** What the HTTP layer needs from the engine. */
export interface Engine {
  listModels(): ModelInfo[];
  hasModel(name: string): boolean;
  /**
   * Runs one generation. Errors before the "start" event come as an "error" event too, so a
   * route can await the first event and still choose its HTTP status.
   */
  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent>;
}
