// The grammar a request's output must follow: a forced tool call in the model family's
// format, or JSON for response_format. Unsupported schemas are a 400 naming the keyword.
import { JSON_OBJECT_GRAMMAR, jsonSchemaToGrammar, UnsupportedSchemaError } from "../chat/grammar/index.ts";
import { toolCallGrammar, toolCallTriggers } from "../chat/grammar/toolCalls.ts";
import type { Family } from "../chat/parsers/types.ts";
import type { TemplateTraits } from "../chat/templateTraits.ts";
import type { EngineErrorInfo, GenerateRequest, ReasoningEffort, ToolDefinition } from "../core/index.ts";

/** Characters of reasoning a forced tool call leaves room for, by reasoning_effort. */
const THINKING_BUDGET: Record<ReasoningEffort, number> = { none: 0, minimal: 64, low: 400, medium: 1600, high: 1990 };

export interface ConstraintContext {
  family: Family;
  traits: TemplateTraits;
  thinkingForcedOpen: boolean;
}

export type Constraint = { grammar?: string; triggers?: string[] } | { error: EngineErrorInfo };

export function outputConstraint(req: GenerateRequest, tools: ToolDefinition[], ctx: ConstraintContext): Constraint {
  const choice = req.toolChoice ?? "auto";
  const forcedCall = tools.length > 0 && (choice === "required" || typeof choice === "object");
  const format = req.responseFormat;
  if (forcedCall && format) {
    return { error: { kind: "invalid_request", code: "invalid_request", param: "response_format", message: "response_format cannot be combined with a required tool call" } };
  }
  try {
    if (forcedCall) {
      const named = typeof choice === "object" ? tools.filter((tool) => tool.name === choice.name) : tools;
      return {
        grammar: toolCallGrammar({
          ...callOptions(req, ctx),
          tools: named,
          parallel: typeof choice === "object" ? false : req.parallelToolCalls !== false,
          thinking: ctx.thinkingForcedOpen ? "open" : ctx.traits.thinks ? "allowed" : "none",
        }),
      };
    }
    if (tools.length > 0 && choice === "auto" && !format) {
      // Free text until the model starts a call; from there the call must be well-formed.
      return {
        grammar: toolCallGrammar({ ...callOptions(req, ctx), tools, parallel: req.parallelToolCalls !== false, thinking: "none" }),
        triggers: toolCallTriggers(ctx.family),
      };
    }
    if (format?.type === "grammar") return { grammar: format.grammar };
    if (format?.type === "json_object")
      return { grammar: format.schema ? jsonSchemaToGrammar(format.schema, { strict: false }) : JSON_OBJECT_GRAMMAR };
    if (format?.type === "json_schema") return { grammar: jsonSchemaToGrammar(format.schema, { strict: format.strict === true }) };
    return {};
  } catch (error) {
    if (!(error instanceof UnsupportedSchemaError)) throw error;
    const param = forcedCall ? "tools" : "response_format.json_schema.schema";
    return { error: { kind: "unsupported", code: "unsupported_schema", param, message: `${error.message} (keyword "${error.keyword}")` } };
  }
}

function callOptions(req: GenerateRequest, ctx: ConstraintContext) {
  return {
    family: ctx.family,
    format: ctx.traits.format,
    thinkingBudget: THINKING_BUDGET[req.reasoning?.enabled === false ? "none" : (req.reasoning?.effort ?? "medium")],
  };
}
