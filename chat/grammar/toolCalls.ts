// Grammars that force a tool call in the model family's own output format (tool_choice
// "required" or a named function), with each call's arguments constrained by its schema.
import type { Family } from "../parsers/types.ts";
import type { ToolDefinition } from "../../core/index.ts";
import { alt, literal, type GrammarBuilder } from "./gbnf.ts";
import { primitive } from "./primitives.ts";
import { SchemaConverter } from "./schema.ts";
import { buildRelaxing } from "./relax.ts";
import { toolSchemaRoot } from "./toolSchemas.ts";

export interface ToolGrammarOptions {
  family: Family;
  /** The tools the model may call (only the named one for a named tool_choice). */
  tools: ToolDefinition[];
  /** Several calls in one turn. */
  parallel: boolean;
  /** "open": the prompt opened a reasoning block; "allowed": the model may reason first. */
  thinking: "open" | "allowed" | "none";
  /** Characters of reasoning allowed before the call (from reasoning_effort). */
  thinkingBudget: number;
  /** Mistral's newer templates write `[TOOL_CALLS]name[ARGS]{...}` instead of a JSON list. */
  mistralArgsForm?: boolean;
}

type Expr = (schema: unknown, hint: string, path?: string) => string;

/**
 * For tool_choice "auto": regexes (matched from the start of the output) whose first group is
 * where a call begins; the grammar, built with thinking "none", constrains from there on.
 */
export function toolCallTriggers(family: Family): string[] {
  const anywhere = (marker: string) => String.raw`[\s\S]*?(${marker})[\s\S]*`;
  switch (family) {
    case "hermes":
    case "qwen3-coder":
      return [anywhere("<tool_call>")];
    case "llama3":
      return [String.raw`^\s*(\{\s*"name")[\s\S]*`];
    case "mistral":
      return [anywhere(String.raw`\[TOOL_CALLS\]`)];
    case "deepseek":
      return [anywhere("<｜tool▁calls▁begin｜>")];
    case "gpt-oss":
      return [anywhere(String.raw`<\|channel\|>commentary to=`)];
    default:
      return [String.raw`^\s*(\{\s*"tool_calls")[\s\S]*`];
  }
}

export function toolCallGrammar(options: ToolGrammarOptions): string {
  const schemas = toolSchemaRoot(options.tools);
  // A tool with relaxSchema has what the grammar cannot enforce relaxed instead of refused.
  const relaxable = (pointer: string) => {
    const owner = schemas.ownerOf(pointer);
    return owner && options.tools[owner.tool]?.relaxSchema ? owner.base : undefined;
  };
  return buildRelaxing(schemas.root, relaxable, () => {
    const converter = new SchemaConverter(schemas.root, { strict: true });
    return converter.compose((schemaExpr, rules) => {
      const args = (tool: ToolDefinition) => schemaExpr({ $ref: schemas.paramsRef(tool.name) }, `${tool.name}-args`);
      const xml = (tool: ToolDefinition) => xmlFunction(schemas.params(tool.name), schemas.paramsRef(tool.name), tool.name, schemaExpr, rules);
      const calls = familyCalls(options, args, xml, rules);
      return thinkingPrefix(options.thinking, options.thinkingBudget, rules) + calls;
    });
  });
}

/** Calls one turn may make: a model looping on calls must still end its turn. */
export const MAX_PARALLEL_CALLS = 8;

function repeated(call: string, separator: string, parallel: boolean): string {
  return parallel ? `${call} (${separator} ${call}){0,${MAX_PARALLEL_CALLS - 1}}` : call;
}

function familyCalls(
  options: ToolGrammarOptions,
  args: (tool: ToolDefinition) => string,
  xml: (tool: ToolDefinition) => string,
  rules: GrammarBuilder,
): string {
  const { tools, parallel } = options;
  const named = (key: "arguments" | "parameters") =>
    rules.rule(`call-${key}`, alt(tools.map((tool) => `"{" space ${literal(`"name"`)} space ":" space ${literal(JSON.stringify(tool.name))} space "," space ${literal(`"${key}"`)} space ":" space ${args(tool)} space "}"`)));
  primitive(rules, "space");
  switch (options.family) {
    case "hermes": {
      const call = rules.rule("tool-call", `"<tool_call>\\n" ${named("arguments")} "\\n</tool_call>"`);
      return repeated(call, `"\\n"`, parallel);
    }
    case "qwen3-coder": {
      const call = rules.rule("tool-call", `"<tool_call>\\n" ${alt(tools.map(xml))} "</tool_call>"`);
      return repeated(call, `"\\n"`, parallel);
    }
    case "llama3":
      // Llama 3.x writes one JSON call per turn.
      return named("parameters");
    case "mistral": {
      if (options.mistralArgsForm) {
        const call = rules.rule("tool-call", alt(tools.map((tool) => `"[TOOL_CALLS]" ${literal(tool.name)} "[ARGS]" ${args(tool)}`)));
        return repeated(call, "", parallel);
      }
      const call = named("arguments");
      return `"[TOOL_CALLS][" ${repeated(call, `"," space`, parallel)} "]"`;
    }
    case "deepseek": {
      const call = rules.rule(
        "tool-call",
        alt(tools.map((tool) => `"<｜tool▁call▁begin｜>function<｜tool▁sep｜>" ${literal(tool.name)} "\\n\`\`\`json\\n" ${args(tool)} "\\n\`\`\`<｜tool▁call▁end｜>"`)),
      );
      return `"<｜tool▁calls▁begin｜>" ${repeated(call, `"\\n"`, parallel)} "<｜tool▁calls▁end｜>"`;
    }
    case "gpt-oss": {
      // The call ends the turn: <|call|> is end-of-generation, allowed once the grammar is done.
      return alt(tools.map((tool) => `"<|channel|>commentary to=functions." ${literal(tool.name)} " <|constrain|>json<|message|>" ${args(tool)}`));
    }
    default: {
      // No known format: the generic JSON envelope the generic parser reads.
      const call = named("arguments");
      return `"{" space "\\"tool_calls\\"" space ":" space "[" space ${repeated(call, `"," space`, parallel)} space "]" space "}"`;
    }
  }
}

/** Qwen3-Coder's XML call: string parameters as raw text, others as JSON of their schema. */
function xmlFunction(schema: Record<string, unknown>, pointer: string, name: string, schemaExpr: Expr, rules: GrammarBuilder): string {
  const params = schema as { properties?: Record<string, unknown>; required?: string[] };
  const required = new Set(params.required ?? []);
  const parts = Object.entries(params.properties ?? {}).map(([key, schema]) => {
    // The schema's own pointer, so that an error names where it is (and relaxation finds it).
    const at = `${pointer}/properties/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    const value = xmlValue(schema, `${name}-${key}`, (s, hint) => schemaExpr(s, hint, at), rules);
    const param = `"<parameter=" ${literal(key)} ">\\n" ${value} "\\n</parameter>\\n"`;
    return required.has(key) ? param : `(${param})?`;
  });
  return `"<function=" ${literal(name)} ">\\n" ${parts.join(" ")} "</function>\\n"`;
}

/** Strings are raw text in this format (the parser keeps them as is); other types are JSON. */
function xmlValue(schema: unknown, hint: string, schemaExpr: Expr, rules: GrammarBuilder): string {
  const s = (schema ?? {}) as { type?: unknown; enum?: unknown[]; const?: unknown; maxLength?: number };
  const choices = s.const !== undefined ? [s.const] : s.enum;
  if (choices?.every((value) => typeof value === "string")) return alt(choices.map((value) => literal(value as string)));
  if (s.type !== "string") return schemaExpr(schema, hint);
  const text = "[^<]";
  return typeof s.maxLength === "number" ? rules.rule(`${hint}-text`, `${text}{0,${s.maxLength}}`) : rules.rule("xml-text", `${text}*`);
}

function thinkingPrefix(thinking: ToolGrammarOptions["thinking"], budget: number, rules: GrammarBuilder): string {
  if (thinking === "none") return "";
  // Bounded: a forced call must come, so the reasoning before it gets a budget.
  const text = rules.rule("thinking-text", `[^<]{0,${budget}}`);
  if (thinking === "open") return `${text} "</think>" space `;
  if (budget === 0) return "";
  return `("<think>" ${text} "</think>" space)? `;
}
