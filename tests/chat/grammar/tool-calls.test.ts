// Tool-call grammars and lazy triggers per family (the grammars' real use is proven end to end
// in tests/e2e/tools.test.ts; here: every family builds, and triggers find the call's start).
import { describe, expect, test } from "bun:test";
import { toolCallGrammar, toolCallTriggers } from "../../../chat/grammar/toolCalls.ts";
import { FAMILIES } from "../../../chat/families/registry.ts";

const tools = [
  { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
  {
    name: "tree",
    parameters: {
      $defs: { node: { type: "object", properties: { kids: { type: "array", items: { $ref: "#/$defs/node" } } } } },
      type: "object",
      properties: { root: { $ref: "#/$defs/node" } },
    },
  },
];

const samples: Record<string, string> = {
  hermes: 'Let me check.<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>',
  "qwen3-coder": "Sure.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo\n</parameter>\n</function>\n</tool_call>",
  llama3: ' {"name": "get_weather", "parameters": {"city": "Oslo"}}',
  mistral: 'ok[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Oslo"}}]',
  deepseek: "x<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather",
  "gpt-oss": "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{}",
  generic: '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}',
};

describe("toolCallGrammar", () => {
  // Every family with a tool-call format of its own ("none" borrows the generic one).
  for (const family of FAMILIES.filter((family) => family.toolCalls).map((family) => family.name)) {
    test(`${family}: builds for several tools, recursive $refs included`, () => {
      const grammar = toolCallGrammar({ family, tools, parallel: true, thinking: "allowed", thinkingBudget: 64 });
      expect(grammar).toStartWith("root ::=");
      expect(grammar).toContain("get_weather");
      expect(grammar).toContain("tree");
    });

    test(`${family}: the lazy trigger's first group starts where the call starts`, () => {
      const [pattern] = toolCallTriggers(family);
      const match = new RegExp(pattern!).exec(samples[family]!);
      expect(match).not.toBeNull();
      const start = samples[family]!.indexOf(match![1]!);
      const rest = samples[family]!.slice(start);
      expect(rest).toMatch(/^(<tool_call>|\{|\[TOOL_CALLS\]|<｜tool▁calls▁begin｜>|<\|channel\|>)/);
    });
  }

  test("a named call's thinking budget bounds the reasoning before it", () => {
    const grammar = toolCallGrammar({ family: "hermes", tools, parallel: false, thinking: "open", thinkingBudget: 64 });
    expect(grammar).toContain("[^<]{0,64}");
    expect(grammar).toMatch(/root ::= thinking-text "<\/think>"/);
  });
});
