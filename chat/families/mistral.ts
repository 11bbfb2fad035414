// Mistral: [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...] (Nemo, Small 3.1) or the newer
// [TOOL_CALLS]NAME[ARGS]{...} per call (Small 3.2, Devstral, Ministral / Magistral).
import { literal, alt } from "../grammar/gbnf.ts";
import { mistralFormat } from "../parsers/mistral.ts";
import { anywhere, type ModelFamily } from "./types.ts";

export const mistral: ModelFamily<"mistral"> = {
  name: "mistral",
  detect: (src) => src.includes("[TOOL_CALLS]"),
  detectFromMetadata: ({ name = "" }) => /mistral|ministral|devstral|magistral/.test(name.toLowerCase()),
  formatTraits: (src) => ({ argsForm: src.includes("[ARGS]") }),
  markup: () => mistralFormat(),
  // Magistral / Ministral reasoning.
  reasoning: { tags: { open: "[THINK]", close: "[/THINK]" } },
  toolCalls: {
    triggers: [anywhere(String.raw`\[TOOL_CALLS\]`)],
    grammar: (g) => {
      if (g.format.argsForm) {
        return g.repeated(g.rules.rule("tool-call", alt(g.tools.map((tool) => `"[TOOL_CALLS]" ${literal(tool.name)} "[ARGS]" ${g.args(tool)}`))), "");
      }
      return `"[TOOL_CALLS][" ${g.repeated(g.named("arguments"), `"," space`)} "]"`;
    },
  },
  // Its templates reject any other id, and the ids we hand out come back in the next request.
  toolCallIds: "nine-alphanumerics",
};
