// Qwen3-Coder / Qwen3.5 / Nemotron 3: <tool_call>\n<function=name>\n<parameter=key>\nvalue\n</parameter>\n</function>\n</tool_call>
import { alt, literal } from "../grammar/gbnf.ts";
import { qwen3CoderFormat } from "../parsers/qwen3-coder.ts";
import { anywhere, type CallGrammar, type ModelFamily } from "./types.ts";

export const qwen3Coder: ModelFamily<"qwen3-coder"> = {
  name: "qwen3-coder",
  // Seed-OSS's <seed:tool_call> does not contain "<tool_call>".
  detect: (src) => src.includes("<tool_call>") && src.includes("<function=") && src.includes("<parameter="),
  detectFromMetadata: ({ name = "" }) => /qwen3[-_. ]?coder|qwen3\.5|nemotron[-_ ]?3/.test(name.toLowerCase()),
  markup: (tools) => qwen3CoderFormat(tools),
  // Qwen3.5 and Nemotron may open a call without closing their reasoning first.
  reasoning: { endsAt: ["<tool_call>"] },
  toolCalls: {
    triggers: [anywhere("<tool_call>")],
    grammar: (g) => g.repeated(g.rules.rule("tool-call", `"<tool_call>\\n" ${alt(g.tools.map((tool) => xmlFunction(g, tool.name)))} "</tool_call>"`), `"\\n"`),
  },
  toolCallIds: "prefixed",
};

/** One call: string parameters as raw text, others as JSON of their schema. */
function xmlFunction(g: CallGrammar, name: string): string {
  const params = g.params(name) as { properties?: Record<string, unknown>; required?: string[] };
  const required = new Set(params.required ?? []);
  const parts = Object.entries(params.properties ?? {}).map(([key, schema]) => {
    const param = `"<parameter=" ${literal(key)} ">\\n" ${xmlValue(g, schema, `${name}-${key}`)} "\\n</parameter>\\n"`;
    return required.has(key) ? param : `(${param})?`;
  });
  return `"<function=" ${literal(name)} ">\\n" ${parts.join(" ")} "</function>\\n"`;
}

/** Strings are raw text in this format (the parser keeps them as is); other types are JSON. */
function xmlValue(g: CallGrammar, schema: unknown, hint: string): string {
  const s = (schema ?? {}) as { type?: unknown; enum?: unknown[]; const?: unknown; maxLength?: number };
  const choices = s.const !== undefined ? [s.const] : s.enum;
  if (choices?.every((value) => typeof value === "string")) return alt(choices.map((value) => literal(value as string)));
  if (s.type !== "string") return g.schema(schema, hint);
  const text = "[^<]";
  return typeof s.maxLength === "number" ? g.rules.rule(`${hint}-text`, `${text}{0,${s.maxLength}}`) : g.rules.rule("xml-text", `${text}*`);
}
