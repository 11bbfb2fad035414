// Llama 3.1 / 3.2 / 3.3: a bare {"name": ..., "parameters": {...}} answer, or <|python_tag|> for built-in tools.
import { llama3Format } from "../parsers/llama3.ts";
import type { ModelFamily } from "./types.ts";

export const llama3: ModelFamily<"llama3"> = {
  name: "llama3",
  detect: (src) =>
    src.includes("<|start_header_id|>") &&
    (src.includes("<|python_tag|>") || src.includes('"parameters"')) &&
    // functionary v3.1 (<function=...>) and v3.2 (>>>recipient) reuse Llama's headers.
    !src.includes("<function=") &&
    !src.includes(">>>"),
  detectFromMetadata: ({ architecture = "", name = "" }) => architecture.toLowerCase() === "llama" && /llama[- _]?3/.test(name.toLowerCase()),
  markup: (tools) => llama3Format(tools),
  toolCalls: {
    triggers: [String.raw`^\s*(\{\s*"name")[\s\S]*`],
    // Llama 3.x writes one JSON call per turn.
    grammar: (g) => g.named("parameters"),
  },
  toolCallIds: "prefixed",
};
