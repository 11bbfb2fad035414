// Shared types of the output parsers: raw model text in, GenerateEvents out.
import type { GenerateEvent } from "../../core/index.ts";
import type { Family } from "../families/registry.ts";

export type ParserEvent = Extract<
  GenerateEvent,
  { type: "text" | "reasoning" | "tool_call_start" | "tool_call_delta" | "tool_call_end" }
>;

export interface OutputParser {
  /** Feeds the next chunk of generated text (chunk boundaries anywhere). */
  push(text: string): ParserEvent[];
  /** End of generation: flushes held-back text and closes an open tool call. */
  finish(): ParserEvent[];
}

export type { Family } from "../families/registry.ts";

export type ReasoningMode = "auto" | "none" | "<think>";

export interface FunctionDef {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters?: Record<string, unknown>;
}

/** A flat function definition or the OpenAI wire shape `{type: "function", function: {...}}`. */
export type ToolDef = FunctionDef | { type?: string; function: FunctionDef };

export interface ParserOptions {
  family: Family;
  reasoning: ReasoningMode;
  tools?: ToolDef[];
  /** The prompt already opened the reasoning block (ends with `<think>`): output starts inside it. */
  thinkingForcedOpen?: boolean;
  /** Prefix of generated tool-call ids (default "call_"); not used by mistral (9-char ids). */
  idPrefix?: string;
}

/** What a region reader may do with tool calls; the index and id are assigned by the sink. */
export interface CallSink {
  start(name: string): void;
  delta(argumentsJson: string): void;
  end(): void;
}
