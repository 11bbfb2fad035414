// gpt-oss (harmony): the output is a run of channel messages, tool calls among them.
import { literal, alt } from "../grammar/gbnf.ts";
import { GptOssParser } from "../parsers/gpt-oss.ts";
import { anywhere, type ModelFamily } from "./types.ts";

export const gptOss: ModelFamily<"gpt-oss"> = {
  name: "gpt-oss",
  detect: (src) => src.includes("<|channel|>") && src.includes("<|message|>"),
  detectFromMetadata: ({ architecture = "", name = "" }) => architecture.toLowerCase().startsWith("gpt-oss") || name.toLowerCase().includes("gpt-oss"),
  // Reasoning "none": analysis text becomes content.
  parser: (sink, reasoning) => new GptOssParser(sink, reasoning !== "none"),
  parsedWithoutTools: true,
  toolCalls: {
    triggers: [anywhere(String.raw`<\|channel\|>commentary to=`)],
    // The call ends the turn: <|call|> is end-of-generation, allowed once the grammar is done.
    grammar: (g) => alt(g.tools.map((tool) => `"<|channel|>commentary to=functions." ${literal(tool.name)} " <|constrain|>json<|message|>" ${g.args(tool)}`)),
  },
  toolCallIds: "prefixed",
};
