// Responses tools -> the engine's function tools. Namespaced tools are offered under qualified
// names and custom (freeform) tools as a function with one string argument; the bindings map
// the model's calls back. Tools this server cannot run are left out and named.
import type { ToolDefinition } from "../../core/index.ts";
import { jsonSchemaToGrammar } from "../../chat/grammar/index.ts";
import { badRequest } from "../http/errors.ts";
import { larkToRegex } from "./lark.ts";
import type { ResponseTool } from "../../schemas/openai-responses.ts";

/** How an offered tool name maps back onto the client's tool. */
export interface ToolBinding {
  kind: "function" | "custom";
  name: string;
  namespace?: string;
}

export interface ToolPlan {
  tools: ToolDefinition[];
  /** Offered name -> the client's tool. */
  bindings: Map<string, ToolBinding>;
  /** Types (or names) of tools left out: the server cannot run them. */
  ignored: string[];
  /** Notes for the client (a grammar that is described to the model but not enforced). */
  warnings: string[];
}

/** `ns__name`: the separator every tool-name pattern allows. */
export const qualifiedName = (namespace: string | undefined, name: string) => (namespace ? `${namespace}__${name}` : name);

/** The argument a custom tool's freeform input travels in. */
export const CUSTOM_INPUT = "input";

type Raw = Record<string, unknown>;

export function toToolPlan(tools: ResponseTool[] | null | undefined): ToolPlan {
  const plan: ToolPlan = { tools: [], bindings: new Map(), ignored: [], warnings: [] };
  (tools ?? []).forEach((tool, i) => addTool(plan, tool as Raw, `tools[${i}]`));
  return plan;
}

function addTool(plan: ToolPlan, tool: Raw, at: string, namespace?: { name: string; description?: string }): void {
  switch (tool.type) {
    case "function": {
      const fn = (typeof tool.function === "object" && tool.function ? tool.function : tool) as Raw;
      const name = requireName(fn.name, `${at}.name`);
      const description = joinDescriptions(namespace?.description, str(fn.description));
      const parameters = (fn.parameters ?? undefined) as Record<string, unknown> | undefined;
      if (parameters !== undefined && (typeof parameters !== "object" || Array.isArray(parameters)))
        throw badRequest(`${at}.parameters must be a JSON schema object.`, `${at}.parameters`, "invalid_type");
      // strict false (Codex's default): OpenAI does not promise schema-exact arguments either.
      const relaxSchema = fn.strict !== true;
      bind(plan, { kind: "function", name, namespace: namespace?.name }, { description, parameters, relaxSchema }, at);
      return;
    }
    case "custom": {
      const name = requireName(tool.name, `${at}.name`);
      const { schema, note } = customInputSchema(tool.format as Raw | undefined, name);
      if (note) plan.warnings.push(note);
      const description = joinDescriptions(namespace?.description, str(tool.description), grammarHint(tool.format as Raw | undefined));
      bind(plan, { kind: "custom", name, namespace: namespace?.name }, { description, parameters: schema }, at);
      return;
    }
    case "namespace": {
      if (namespace) throw badRequest(`${at}: namespaces cannot be nested.`, `${at}.type`);
      const name = requireName(tool.name, `${at}.name`);
      if (!Array.isArray(tool.tools)) throw badRequest(`${at}.tools must be an array.`, `${at}.tools`, "invalid_type");
      (tool.tools as Raw[]).forEach((inner, j) => addTool(plan, inner, `${at}.tools[${j}]`, { name, description: str(tool.description) }));
      return;
    }
    default:
      // web_search, tool_search, file_search, code_interpreter, mcp, image_generation...: run by
      // OpenAI's servers (or a client protocol of their own), not by a local model.
      plan.ignored.push(String(tool.type ?? "unknown"));
  }
}

function bind(plan: ToolPlan, binding: ToolBinding, def: Omit<ToolDefinition, "name">, at: string): void {
  const offered = qualifiedName(binding.namespace, binding.name);
  if (plan.bindings.has(offered)) throw badRequest(`${at}: the tool name '${offered}' is used twice.`, `${at}.name`);
  plan.bindings.set(offered, binding);
  plan.tools.push({ name: offered, ...def });
}

/**
 * The schema of a custom tool's single string argument. A regex grammar, or a Lark grammar whose
 * language is regular (lark.ts), becomes the string's pattern, which the JSON-schema grammar
 * enforces when a call is constrained; anything else is shown to the model, not enforced.
 */
function customInputSchema(format: Raw | undefined, name: string): { schema: Record<string, unknown>; note?: string } {
  const input: Record<string, unknown> = { type: "string" };
  let note: string | undefined;
  if (format?.type === "grammar") {
    const syntax = String(format.syntax ?? "");
    const definition = String(format.definition ?? "");
    const regex = syntax === "regex" ? { regex: definition } : syntax === "lark" ? larkToRegex(definition) : { error: `syntax '${syntax}'` };
    const pattern = "regex" in regex ? `^(?:${regex.regex})$` : undefined;
    if (pattern && compiles({ type: "string", pattern })) input.pattern = pattern;
    else {
      const why = "error" in regex ? regex.error : "it uses regex features the grammar compiler lacks";
      note = `custom tool '${name}': its ${syntax} grammar is not enforced (${why}); it is shown to the model`;
    }
  }
  return {
    schema: { type: "object", properties: { [CUSTOM_INPUT]: input }, required: [CUSTOM_INPUT], additionalProperties: false },
    note,
  };
}

function compiles(schema: unknown): boolean {
  try {
    jsonSchemaToGrammar(schema);
    return true;
  } catch {
    return false;
  }
}

function grammarHint(format: Raw | undefined): string | undefined {
  if (format?.type !== "grammar") return "Pass the whole freeform text as `input`.";
  return `Pass the whole freeform text as \`input\`; it must follow this ${String(format.syntax)} grammar:\n${String(format.definition)}`;
}

function requireName(value: unknown, param: string): string {
  if (typeof value !== "string" || value.length === 0) throw badRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
  return value;
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const joinDescriptions = (...parts: (string | undefined)[]) => parts.filter(Boolean).join("\n\n") || undefined;
