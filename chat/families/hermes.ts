// Hermes / Qwen2.5 / Qwen3 / QwQ: <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>
import { hermesFormat } from "../parsers/hermes.ts";
import { anywhere, type ModelFamily } from "./types.ts";

export const hermes: ModelFamily<"hermes"> = {
  name: "hermes",
  detect: (src) =>
    src.includes("<tool_call>") &&
    /\{\s*\\?"name\\?"\s*:/.test(src) &&
    // GLM / Ling / Laguna (<arg_key>), MiniMax (<invoke>), Apriel 1.5 (<tool_calls>[...]) differ.
    !src.includes("<arg_key>") &&
    !src.includes("<invoke") &&
    !src.includes("<tool_calls>"),
  detectFromMetadata: ({ architecture = "", name = "" }) =>
    architecture.toLowerCase().startsWith("qwen") || /qwen|qwq|hermes/.test(name.toLowerCase()),
  markup: () => hermesFormat(),
  toolCalls: {
    triggers: [anywhere("<tool_call>")],
    grammar: (g) => g.repeated(g.rules.rule("tool-call", `"<tool_call>\\n" ${g.named("arguments")} "\\n</tool_call>"`), `"\\n"`),
  },
  toolCallIds: "prefixed",
};
