// What the server knows about one model family: how to recognise its chat template, read its
// output, force its tool calls, and name its calls. One file per family; registry.ts orders them.
import type { ToolDefinition } from "../../core/index.ts";
import type { GrammarBuilder } from "../grammar/gbnf.ts";
import type { MarkupFormat } from "../parsers/region.ts";
import type { EventSink } from "../parsers/sink.ts";
import type { ReasoningMode, ToolDef } from "../parsers/types.ts";

export interface ModelMeta {
  /** GGUF general.architecture, e.g. "qwen3", "llama", "gpt-oss". */
  architecture?: string;
  /** GGUF general.name or the file name. */
  name?: string;
}

/** Details of a family's format that differ between its templates, read once per model. */
export interface FormatTraits {
  /** Mistral's newer `[TOOL_CALLS]name[ARGS]{...}` instead of a JSON list. */
  argsForm?: boolean;
}

/** A parser that takes the whole output, reasoning included (gpt-oss channels). */
export interface ParserFront {
  push(text: string): void;
  finish(): void;
}

/** What a family's tool-call grammar is built from (see grammar/toolCalls.ts). */
export interface CallGrammar {
  /** The tools the model may call (only the named one for a named tool_choice). */
  tools: ToolDefinition[];
  format: FormatTraits;
  rules: GrammarBuilder;
  /** A tool's arguments object, constrained by its schema. */
  args(tool: ToolDefinition): string;
  /** Any schema reachable from a tool's parameters; rule names start with `hint`. */
  schema(schema: unknown, hint: string): string;
  /** The parameters schema of the tool with this name. */
  params(toolName: string): Record<string, unknown>;
  /** `{"name": <one of the tools>, "<key>": <its arguments>}`. */
  named(key: "arguments" | "parameters"): string;
  /** `call` once, or several times joined by `separator` when parallel calls are allowed. */
  repeated(call: string, separator: string): string;
}

export interface ToolCallFormat {
  /** For tool_choice "auto": regexes matched from the output's start whose first group is where a call begins. */
  triggers: string[];
  /** GBNF for the calls of one turn. */
  grammar(g: CallGrammar): string;
}

export interface ModelFamily<Name extends string = string> {
  readonly name: Name;
  /** Whether a chat template writes this family's markup; families are tried in registry order. */
  detect(templateSource: string): boolean;
  /** From GGUF metadata, only when a model has no template text. */
  detectFromMetadata?(meta: ModelMeta): boolean;
  /** The template details this family's format depends on. */
  formatTraits?(templateSource: string): FormatTraits;
  /** Output read by the shared markup parser (after <think> extraction)... */
  markup?(tools: ToolDef[] | undefined): MarkupFormat;
  /** ...or by a parser of the family's own. */
  parser?(sink: EventSink, reasoning: ReasoningMode): ParserFront;
  /** The output has structure even without tools (gpt-oss channels), so it is always parsed. */
  parsedWithoutTools?: boolean;
  /** Reasoning markup besides <think>...</think>. */
  reasoning?: {
    /** The family's own tags, recognised before <think> with reasoning "auto". */
    tags?: { open: string; close: string };
    /** Markers that end reasoning without its close tag and belong to what follows. */
    endsAt?: string[];
  };
  /** Forced and lazy tool calls in the family's format; without: the generic JSON envelope. */
  toolCalls?: ToolCallFormat;
  /** Generated tool-call ids: "call_"-style prefix + 24 alphanumerics, or exactly 9 alphanumerics. */
  toolCallIds: "prefixed" | "nine-alphanumerics";
}

/** Regex source for a lazy trigger: `marker` anywhere in the output opens the call. */
export function anywhere(marker: string): string {
  return String.raw`[\s\S]*?(${marker})[\s\S]*`;
}
