// Every chat template in llama.cpp's source, rendered with tools, a tool call and its result.
// The ones @huggingface/jinja (or the template itself) cannot render are listed with the reason;
// the server answers those with a 400 that points to --chat-template-file.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ChatTemplate } from "../../chat/template.ts";
import { templateWantsNineCharIds, withNineCharToolCallIds } from "../../chat/toolCallIds.ts";
import type { ChatMessage } from "../../core/index.ts";

const TEMPLATES = resolve(import.meta.dir, "../../llama.cpp/src/models/templates");

/** Known failures and why (library gaps, or templates that need non-standard variables). */
const CANNOT_RENDER: Record<string, string> = {
  "Apriel-1.6-15b-Thinker-fixed.jinja": "`|string` on a mapping is not supported by @huggingface/jinja",
  "unsloth-Apriel-1.5.jinja": "`|string` on a mapping is not supported by @huggingface/jinja",
  "ByteDance-Seed-OSS.jinja": "a dict with integer keys is not supported by @huggingface/jinja",
  "Kimi-K2-Instruct.jinja": "list methods (append/pop) are not supported by @huggingface/jinja",
  "Kimi-K2-Thinking.jinja": "list methods (append/pop) are not supported by @huggingface/jinja",
  "tencent-Hy3.jinja": "str.format() is not supported by @huggingface/jinja",
  "meetkai-functionary-medium-v3.2.jinja": "unpacking pairs in a for loop is not supported by @huggingface/jinja",
  "openbmb-MiniCPM5-1B.jinja": "the `min` filter is not supported by @huggingface/jinja",
  "fireworks-ai-llama-3-firefunction-v2.jinja": "needs non-standard `functions` and `datetime` variables",
  "google-gemma-2-2b-it.jinja": "gemma-2 has no tool role: a tool result breaks its user/assistant alternation",
};

/** Templates that render but have no place for tool results: the template drops them. */
const DROPS_TOOL_RESULTS = new Set(["llama-cpp-rwkv-world.jinja", "microsoft-Phi-3.5-mini-instruct.jinja"]);

const tools = [
  {
    type: "function",
    function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string", description: "City" } }, required: ["city"] } },
  },
];
const conversation: ChatMessage[] = [
  { role: "system", content: [{ type: "text", text: "Be brief." }] },
  { role: "user", content: [{ type: "text", text: "Weather in Oslo?" }] },
  { role: "assistant", content: [], toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }] },
  { role: "tool", content: [{ type: "text", text: '{"temperature":3}' }], toolCallId: "call_1" },
  { role: "assistant", content: [{ type: "text", text: "3 degrees." }] },
  { role: "user", content: [{ type: "text", text: "Thanks" }] },
];

function render(file: string): string {
  const source = readFileSync(resolve(TEMPLATES, file), "utf8");
  const template = new ChatTemplate({ template: source, bosToken: "<s>", eosToken: "</s>", addBos: false });
  const messages = templateWantsNineCharIds(source) ? withNineCharToolCallIds(conversation) : conversation;
  return template.render(messages, { tools });
}

const files = readdirSync(TEMPLATES).filter((f) => f.endsWith(".jinja")).sort();

describe("every llama.cpp template with tools and tool results", () => {
  test("the source carries the templates", () => expect(files.length).toBeGreaterThan(60));

  for (const file of files) {
    if (CANNOT_RENDER[file]) {
      test(`${file} is a known failure (${CANNOT_RENDER[file]})`, () => expect(() => render(file)).toThrow());
    } else if (DROPS_TOOL_RESULTS.has(file)) {
      test(`${file} renders the conversation but has no place for tool results`, () => {
        const prompt = render(file);
        expect(prompt).toContain("Weather in Oslo?");
        expect(prompt).not.toContain("temperature");
      });
    } else {
      test(`${file} renders the conversation and the tool result`, () => {
        const prompt = render(file);
        expect(prompt).toContain("Weather in Oslo?");
        expect(prompt).toContain("temperature");
      });
    }
  }
});

describe("Mistral's 9-character tool-call ids", () => {
  test("foreign ids are mapped consistently; valid ones are kept", () => {
    const mapped = withNineCharToolCallIds([
      ...conversation,
      { role: "assistant", content: [], toolCalls: [{ id: "abcDEF123", name: "get_weather", arguments: "{}" }] },
    ]);
    const callId = mapped[2]!.toolCalls![0]!.id;
    expect(callId).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(mapped[3]!.toolCallId).toBe(callId);
    expect(mapped.at(-1)!.toolCalls![0]!.id).toBe("abcDEF123");
  });
});
