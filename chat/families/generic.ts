// Templates that never mention tools: tools are described in the prompt and the model answers
// {"tool_calls": [{"name": ..., "arguments": {...}}, ...]}.
import { genericFormat } from "../parsers/generic.ts";
import type { ModelFamily, ToolCallFormat } from "./types.ts";

export const generic: ModelFamily<"generic"> & { toolCalls: ToolCallFormat } = {
  name: "generic",
  detect: (src) => !/\btools\b|tool_calls/.test(src),
  markup: (tools) => genericFormat(tools),
  toolCalls: {
    triggers: [String.raw`^\s*(\{\s*"tool_calls")[\s\S]*`],
    grammar: (g) => `"{" space "\\"tool_calls\\"" space ":" space "[" space ${g.repeated(g.named("arguments"), `"," space`)} space "]" space "}"`,
  },
  toolCallIds: "prefixed",
};
