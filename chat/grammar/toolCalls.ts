// Grammars that force a tool call in the model family's own output format (tool_choice
// "required" or a named function), with each call's arguments constrained by its schema. The
// format itself comes from the family (chat/families/); the reasoning allowed before it is here.
import { toolCallFamily, type Family } from "../families/registry.ts";
import type { CallGrammar, FormatTraits } from "../families/types.ts";
import type { ToolDefinition } from "../../core/index.ts";
import { literal, alt, type GrammarBuilder } from "./gbnf.ts";
import { primitive } from "./primitives.ts";
import { buildRelaxing, pointerIndex } from "./relax.ts";
import { SchemaConverter } from "./schema.ts";
import { toolSchemaRoot, type ToolSchemaRoot } from "./toolSchemas.ts";

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
  /** The template's variant of the family's format (Mistral's [ARGS] form). */
  format?: FormatTraits;
}

/**
 * For tool_choice "auto": regexes (matched from the start of the output) whose first group is
 * where a call begins; the grammar, built with thinking "none", constrains from there on.
 */
export function toolCallTriggers(family: Family): string[] {
  return toolCallFamily(family).toolCalls.triggers;
}

export function toolCallGrammar(options: ToolGrammarOptions): string {
  const format = toolCallFamily(options.family).toolCalls;
  const schemas = toolSchemaRoot(options.tools);
  // A tool with relaxSchema has what the grammar cannot enforce relaxed instead of refused.
  const relaxable = (pointer: string) => {
    const owner = schemas.ownerOf(pointer);
    return owner && options.tools[owner.tool]?.relaxSchema ? owner.base : undefined;
  };
  return buildRelaxing(schemas.root, relaxable, () => {
    const converter = new SchemaConverter(schemas.root, { strict: true });
    // Errors name a schema by its pointer in the root, also when a family walks into it itself.
    const pointers = pointerIndex(schemas.root);
    return converter.compose((schemaExpr, rules) => {
      primitive(rules, "space");
      const schemaAt = (schema: unknown, hint: string) => schemaExpr(schema, hint, pointers(schema));
      const calls = format.grammar(callGrammar(options, schemas, schemaAt, rules));
      return thinkingPrefix(options.thinking, options.thinkingBudget, rules) + calls;
    });
  });
}

/** Calls one turn may make: a model looping on calls must still end its turn. */
export const MAX_PARALLEL_CALLS = 8;

function callGrammar(
  { tools, parallel, format = {} }: ToolGrammarOptions,
  schemas: ToolSchemaRoot,
  schemaExpr: (schema: unknown, hint: string) => string,
  rules: GrammarBuilder,
): CallGrammar {
  const args = (tool: ToolDefinition) => schemaExpr({ $ref: schemas.paramsRef(tool.name) }, `${tool.name}-args`);
  return {
    tools,
    format,
    rules,
    args,
    schema: schemaExpr,
    params: (name) => schemas.params(name),
    named: (key) =>
      rules.rule(`call-${key}`, alt(tools.map((tool) => `"{" space ${literal(`"name"`)} space ":" space ${literal(JSON.stringify(tool.name))} space "," space ${literal(`"${key}"`)} space ":" space ${args(tool)} space "}"`))),
    repeated: (call, separator) => (parallel ? `${call} (${separator} ${call}){0,${MAX_PARALLEL_CALLS - 1}}` : call),
  };
}

function thinkingPrefix(thinking: ToolGrammarOptions["thinking"], budget: number, rules: GrammarBuilder): string {
  if (thinking === "none") return "";
  // Bounded: a forced call must come, so the reasoning before it gets a budget.
  const text = rules.rule("thinking-text", `[^<]{0,${budget}}`);
  if (thinking === "open") return `${text} "</think>" space `;
  if (budget === 0) return "";
  return `("<think>" ${text} "</think>" space)? `;
}
