// Hermes / Qwen2.5 / Qwen3 / QwQ: <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
import { JsonRegionReader } from "./json-region.ts";
import type { MarkupFormat } from "./region.ts";

export function hermesFormat(): MarkupFormat {
  return {
    triggers: [{ marker: "<tool_call>", open: (calls) => new JsonRegionReader(calls, "</tool_call>") }],
    ends: ["</tool_call>"],
  };
}
