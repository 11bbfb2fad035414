import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ChatTemplate, ChatTemplateError, dateVariables, promptNeedsBos } from "../../chat/template.ts";
import { FALLBACK_CHAT_TEMPLATE } from "../../chat/fallback.ts";
import type { ChatMessage } from "../../core/index.ts";

// The 70-odd real templates shipped with the pinned llama.cpp source (see llama.cpp/fetch.sh).
const DIR = join(import.meta.dir, "../../llama.cpp/src/models/templates");
if (!existsSync(DIR)) throw new Error(`missing ${DIR}: fetch the llama.cpp source first (llama.cpp/fetch.sh)`);
const load = (name: string) => readFileSync(join(DIR, `${name}.jinja`), "utf8");
const text = (s: string) => [{ type: "text" as const, text: s }];

const conversation: ChatMessage[] = [
  { role: "system", content: text("Be brief.") },
  { role: "user", content: text("Hi") },
  { role: "assistant", content: text("Hello!") },
  { role: "user", content: text("Bye") },
];

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name" } },
      required: ["city"],
    },
  },
};

// Mistral templates insist on 9 alphanumeric characters for tool call ids.
const toolConversation: ChatMessage[] = [
  { role: "system", content: text("Be brief.") },
  { role: "user", content: text("Weather in Paris?") },
  { role: "assistant", content: [], toolCalls: [{ id: "abc123XYZ", name: "get_weather", arguments: '{"city":"Paris"}' }] },
  { role: "tool", content: text("sunny"), toolCallId: "abc123XYZ" },
  { role: "assistant", content: text("It is sunny."), reasoning: "The tool said sunny." },
  { role: "user", content: text("Thanks") },
];

function make(name: string, bosToken = "<s>", eosToken = "</s>", addBos = true) {
  return new ChatTemplate({ template: load(name), bosToken, eosToken, addBos });
}

describe("ChatTemplate with real templates", () => {
  test("Qwen3: ChatML turns and the generation prompt", () => {
    const t = make("Qwen-Qwen3-0.6B", "", "<|im_end|>", false);
    const out = t.render(conversation);
    expect(out).toStartWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    expect(out).toContain("<|im_start|>assistant\nHello!<|im_end|>\n");
    expect(out).toEndWith("<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    expect(t.render(conversation, { addGenerationPrompt: false })).toEndWith("Bye<|im_end|>\n");
  });

  test("Qwen3: tool call with object arguments, tool response, reasoning_content", () => {
    const t = make("Qwen-Qwen3-0.6B", "", "<|im_end|>", false);
    expect(t.caps.objectArguments).toBe(true);
    const out = t.render(toolConversation, { tools: [weatherTool] });
    expect(out).toContain('"name": "get_weather"');
    expect(out).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
    expect(out).toContain("<tool_response>\nsunny\n</tool_response>");
    const last = t.render(toolConversation.slice(1, 5), { addGenerationPrompt: false });
    expect(last).toContain("<think>\nThe tool said sunny.\n</think>\n\nIt is sunny.");
  });

  test("Qwen3: extra kwargs reach the template (enable_thinking)", () => {
    const t = make("Qwen-Qwen3-0.6B", "", "<|im_end|>", false);
    const out = t.render([{ role: "user", content: text("x") }], { extra: { enable_thinking: false } });
    expect(out).toEndWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
  });

  test("Llama 3.3: header ids, BOS in the text, no tool block without tools", () => {
    const t = make("meta-llama-Llama-3.3-70B-Instruct", "<|begin_of_text|>", "<|eot_id|>");
    const out = t.render(conversation);
    expect(out).toStartWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n");
    expect(out).toContain("Be brief.<|eot_id|>");
    expect(out).toEndWith("<|start_header_id|>assistant<|end_header_id|>\n\n");
    expect(out).not.toContain("Environment: ipython");
    expect(t.render(conversation, { tools: [] })).toBe(out); // an empty list counts as no tools
    expect(t.needsBos(out)).toBe(false);
    expect(t.render(conversation, { tools: [weatherTool] })).toContain('"name": "get_weather"');
  });

  test("Llama 3.x: today's date from llama.cpp's date_string, not the template's 26 Jul 2024", () => {
    const out = make("meta-llama-Llama-3.1-8B-Instruct", "<|begin_of_text|>", "<|eot_id|>").render(conversation);
    expect(out).toContain(`Today Date: ${dateVariables(new Date()).date_string}\n`);
    expect(out).not.toContain("26 Jul 2024");
  });

  test("dateVariables: llama.cpp's formats (%d %b %Y and %b %d %Y) in local time", () => {
    expect(dateVariables(new Date(2026, 10, 30, 23, 59))).toEqual({ date_string: "30 Nov 2026", datetime: "Nov 30 2026" });
    expect(dateVariables(new Date(2027, 0, 5))).toEqual({ date_string: "05 Jan 2027", datetime: "Jan 05 2027" });
  });

  test("gpt-oss: harmony channels, system as developer instructions", () => {
    const out = make("openai-gpt-oss-120b", "<|startoftext|>", "<|return|>").render(conversation);
    expect(out).toStartWith("<|start|>system<|message|>");
    expect(out).toContain("<|start|>developer<|message|># Instructions\n\nBe brief.");
    expect(out).toContain("<|start|>assistant<|channel|>final<|message|>Hello!<|end|>");
    expect(out).toEndWith("<|start|>user<|message|>Bye<|end|><|start|>assistant");
  });

  test("Mistral Nemo: [INST] turns, system folded into the last user turn", () => {
    const out = make("mistralai-Mistral-Nemo-Instruct-2407").render(conversation);
    expect(out).toBe("<s>[INST]Hi[/INST]Hello!</s>[INST]Be brief.\n\nBye[/INST]");
  });

  test("Gemma 2 rejects the system role: it is merged into the first user turn", () => {
    const t = make("google-gemma-2-2b-it", "<bos>", "<eos>");
    expect(t.caps.systemRole).toBe(false);
    const out = t.render(conversation);
    expect(out).toStartWith("<bos><start_of_turn>user\nBe brief.\nHi<end_of_turn>\n");
    expect(out).toEndWith("<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
  });

  test("Gemma 4: turn markers and model cue", () => {
    const out = make("google-gemma-4-31B-it", "<bos>", "<eos>").render(conversation);
    expect(out).toStartWith("<bos><|turn>system\nBe brief.<turn|>\n<|turn>user\nHi<turn|>\n");
    expect(out).toContain("<|turn>model\nHello!<turn|>\n");
    expect(out).toContain("<|turn>user\nBye<turn|>\n<|turn>model\n");
  });

  test("templates that concatenate arguments get the JSON text (DeepSeek-R1-Distill-Llama)", () => {
    const t = make("deepseek-ai-DeepSeek-R1-Distill-Llama-8B", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
    expect(t.caps.objectArguments).toBe(false);
    expect(t.caps.toolCallContent).toBeNull(); // it renders calls only when content is none
    const out = t.render(toolConversation, { tools: [weatherTool] });
    expect(out).toContain('get_weather\n```json\n{"city":"Paris"}\n```');
    expect(out).not.toContain("[object");
  });

  test("Hermes tool_use renders without tools (tools defaults to [])", () => {
    const t = make("NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "<|begin_of_text|>", "<|eot_id|>");
    expect(t.caps.toolsDefault).toEqual([]);
    expect(t.render(conversation)).toContain("<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n");
    expect(t.render(toolConversation, { tools: [weatherTool] })).toContain('"arguments": {"city": "Paris"}');
  });

  test("tool results carry the called function's name; invalid arguments stay text", () => {
    const t = new ChatTemplate({
      template: "{% for m in messages %}{{ m.role }}:{{ m.name }}:{% for c in m.tool_calls or [] %}{{ c.function.arguments | tojson }}{% endfor %};{% endfor %}",
      bosToken: "",
      eosToken: "",
      addBos: false,
    });
    const out = t.render([
      { role: "assistant", content: [], toolCalls: [{ id: "a", name: "f", arguments: "{not json" }] },
      { role: "tool", content: text("r"), toolCallId: "a" },
    ]);
    expect(out).toBe('assistant::"{not json";tool:f:;');
  });

  test("a failed tool result (Anthropic is_error) tells the model in its text", () => {
    const t = new ChatTemplate({ template: "{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}", bosToken: "", eosToken: "", addBos: false });
    const out = t.render([
      { role: "tool", content: text("file not found"), toolCallId: "a", isError: true },
      { role: "tool", content: text("42"), toolCallId: "b" },
    ]);
    expect(out).toBe("tool=Error: file not found;tool=42;");
  });

  test("several text parts are joined with a newline", () => {
    const t = new ChatTemplate({ template: "{{ messages[0].content }}", bosToken: "", eosToken: "", addBos: false });
    expect(t.render([{ role: "user", content: [...text("a"), ...text("b")] }])).toBe("a\nb");
  });
});

// Every template in the folder renders a system + user conversation, except these, which fail
// inside @huggingface/jinja 0.5.11 (use --chat-template-file with a fixed copy for them):
//   ByteDance-Seed-OSS                  dict literal with integer keys ("Object keys must be strings")
//   fireworks-ai-llama-3-firefunction-v2 needs non-standard `functions` and `datetime` variables
//   tencent-Hy3                         str.format() is not implemented
// With tool calls (not asserted here) these also fail: Kimi-K2 / K2-Instruct / K2-Thinking
// (list.append / list.pop), Apriel 1.5 / 1.6 (`|string` on a mapping), MiniCPM5 (`|min`),
// functionary v3.2 (tuple unpacking in a for loop); gemma-2 has no tool role at all.
const KNOWN_FAILURES = new Set(["ByteDance-Seed-OSS", "fireworks-ai-llama-3-firefunction-v2", "tencent-Hy3"]);

describe("every template in llama.cpp/src/models/templates", () => {
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith(".jinja"))
    .map((f) => f.slice(0, -".jinja".length));

  test("the folder has the templates", () => {
    expect(names.length).toBeGreaterThan(60);
  });

  for (const name of names) {
    const simple: ChatMessage[] = [{ role: "system", content: text("SYSTEM-7") }, { role: "user", content: text("USER-7") }];
    if (KNOWN_FAILURES.has(name)) {
      test(`${name} fails with a ChatTemplateError (known)`, () => {
        expect(() => make(name).render(simple)).toThrow(ChatTemplateError);
      });
    } else {
      test(`${name} renders system + user`, () => {
        const out = make(name).render(simple);
        expect(out).toContain("SYSTEM-7");
        expect(out).toContain("USER-7");
      });
    }
  }
});

describe("BOS de-duplication", () => {
  test("promptNeedsBos", () => {
    expect(promptNeedsBos("<s>[INST]hi", "<s>", true)).toBe(false); // template emitted it
    expect(promptNeedsBos("[INST]hi", "<s>", true)).toBe(true);
    expect(promptNeedsBos("[INST]hi", "<s>", false)).toBe(false); // vocab does not want one
    expect(promptNeedsBos("<s>hi", "", true)).toBe(true); // no BOS text known: trust the vocab
  });

  test("Qwen3 with add_bos=false never asks for one", () => {
    const t = make("Qwen-Qwen3-0.6B", "", "<|im_end|>", false);
    expect(t.needsBos(t.render(conversation))).toBe(false);
  });
});

describe("fallback for models without a template", () => {
  test("plain transcript ending in the assistant cue", () => {
    const t = new ChatTemplate({ bosToken: "<s>", eosToken: "</s>", addBos: true });
    expect(t.isFallback).toBe(true);
    expect(t.source).toBe(FALLBACK_CHAT_TEMPLATE);
    const out = t.render(conversation);
    expect(out).toBe("System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: Bye\n\nAssistant:");
    expect(t.needsBos(out)).toBe(true);
    expect(t.render(conversation, { addGenerationPrompt: false })).toEndWith("User: Bye\n\n");
  });

  test("an empty template string also means fallback", () => {
    expect(new ChatTemplate({ template: "", bosToken: "", eosToken: "", addBos: false }).isFallback).toBe(true);
  });

  test("tool calls and results stay visible in the transcript", () => {
    const t = new ChatTemplate({ bosToken: "", eosToken: "", addBos: false });
    const out = t.render(toolConversation.slice(1, 4), { addGenerationPrompt: false });
    expect(out).toBe(
      'User: Weather in Paris?\n\nAssistant:\n[call get_weather {"city": "Paris"}]\n\nTool result: sunny\n\n',
    );
  });
});

describe("errors", () => {
  test("a template that does not parse fails at construction", () => {
    expect(() => new ChatTemplate({ template: "{% for %}", bosToken: "", eosToken: "", addBos: false })).toThrow(
      ChatTemplateError,
    );
  });

  test("raise_exception becomes a ChatTemplateError with status 400", () => {
    const t = new ChatTemplate({
      template: "{% if messages[0].role == 'assistant' %}{{ raise_exception('must start with user') }}{% endif %}ok",
      bosToken: "",
      eosToken: "",
      addBos: false,
    });
    let err: unknown;
    try {
      t.render([{ role: "assistant", content: text("x") }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChatTemplateError);
    expect((err as ChatTemplateError).status).toBe(400);
    expect((err as Error).message).toContain("must start with user");
  });
});

describe("message names", () => {
  test("a participant name reaches templates that print it", () => {
    const t = new ChatTemplate({
      template: "{% for m in messages %}{{ m.role }}{% if m.name %}({{ m.name }}){% endif %}: {{ m.content }}\n{% endfor %}",
      bosToken: "",
      eosToken: "",
      addBos: false,
    });
    const out = t.render([{ role: "user", name: "ada", content: [{ type: "text", text: "hi" }] }], { addGenerationPrompt: false });
    expect(out).toBe("user(ada): hi\n");
  });
});
