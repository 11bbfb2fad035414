import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse, parse } from "./harness.ts";

const opts: ParserOptions = { family: "hermes", reasoning: "auto" };
const MARKUP = ["<tool_call>", "</tool_call>", "<think>", "</think>", '"arguments"'];
const weather = (location: string) =>
  `<tool_call>\n{"name": "get_weather", "arguments": {"location": "${location}", "unit": "celsius"}}\n</tool_call>`;

describe("hermes parser (Qwen2.5 / Qwen3 / QwQ / Hermes)", () => {
  test("Qwen3 reasoning then content", () => {
    expectParse(
      opts,
      "<think>\nThe user asks 2+2. That is 4.\n</think>\n\nThe answer is **4**.",
      { reasoning: "The user asks 2+2. That is 4.", content: "The answer is **4**." },
      MARKUP,
    );
  });

  test("Qwen3 empty reasoning block (thinking disabled by the model)", () => {
    expectParse(opts, "<think>\n\n</think>\n\nHello there!", { content: "Hello there!" }, MARKUP);
  });

  test("reasoning then a tool call", () => {
    expectParse(
      opts,
      "<think>\nI need the weather in Paris.\n</think>\n\n" + weather("Paris"),
      {
        reasoning: "I need the weather in Paris.",
        calls: [{ name: "get_weather", arguments: { location: "Paris", unit: "celsius" } }],
      },
      MARKUP,
    );
  });

  test("content before and two calls in one turn (Qwen2.5)", () => {
    expectParse(
      opts,
      "Let me check both cities.\n" + weather("Paris") + "\n" + weather("London"),
      {
        content: "Let me check both cities.",
        calls: [
          { name: "get_weather", arguments: { location: "Paris", unit: "celsius" } },
          { name: "get_weather", arguments: { location: "London", unit: "celsius" } },
        ],
      },
      MARKUP,
    );
  });

  test("content after a call", () => {
    expectParse(opts, weather("Oslo") + "\n\nI asked for the weather.", {
      content: "I asked for the weather.",
      calls: [{ name: "get_weather", arguments: { location: "Oslo", unit: "celsius" } }],
    });
  });

  test("nested and escaped arguments survive", () => {
    const args = { q: 'say "hi"\\n', list: [1, 2.5, -3e2, true, null], nested: { a: { b: [] } }, emoji: "😀 é" };
    expectParse(opts, `<tool_call>\n{"name": "search", "arguments": ${JSON.stringify(args)}}\n</tool_call>`, {
      calls: [{ name: "search", arguments: args }],
    });
  });

  test("arguments before name, and arguments written as a JSON string", () => {
    expectParse(
      opts,
      '<tool_call>\n{"arguments": {"x": 1}, "name": "f"}\n</tool_call>\n<tool_call>\n{"name": "g", "arguments": "{\\"y\\": [2]}"}\n</tool_call>',
      { calls: [{ name: "f", arguments: { x: 1 } }, { name: "g", arguments: { y: [2] } }] },
    );
  });

  test("call without arguments, and a JSON array of calls in one block", () => {
    expectParse(opts, '<tool_call>\n[{"name": "now"}, {"name": "f", "arguments": {}}]\n</tool_call>', {
      calls: [
        { name: "now", arguments: {} },
        { name: "f", arguments: {} },
      ],
    });
  });

  test("text that only looks like markup is content", () => {
    const text = "Use the <tool element, or <tool_call without a bracket; I <think> that works. </tool";
    expectParse(opts, text, { content: text });
  });

  test("<think> in the middle of prose is content; a stray </think> is dropped", () => {
    // The stray close tag is what a thinking model writes when the caller missed that the
    // prompt opened reasoning (thinkingForcedOpen): it is markup, never content.
    const text = "Some prose first. <think>not reasoning</think> more";
    expectParse(opts, text, { content: "Some prose first. <think>not reasoning more" });
  });

  test("reasoning only, and unterminated reasoning", () => {
    expectParse(opts, "<think>\nJust thinking.\n</think>", { reasoning: "Just thinking." });
    expectParse(opts, "<think>\nStill thinking when the tokens ran out", {
      reasoning: "Still thinking when the tokens ran out",
    });
  });

  test("QwQ: the prompt opened <think>, the output starts inside reasoning", () => {
    const forced = { ...opts, thinkingForcedOpen: true };
    expectParse(forced, "Okay, the user greets me.\n</think>\n\nHello! How can I help?", {
      reasoning: "Okay, the user greets me.",
      content: "Hello! How can I help?",
    });
    expectParse(forced, "<think>\nrepeated tag\n</think>\nHi", { reasoning: "repeated tag", content: "Hi" });
  });

  test("reasoning 'none' leaves the tags in content", () => {
    expectParse({ ...opts, reasoning: "none" }, "<think>\nhm\n</think>\n\nHi", { content: "<think>\nhm\n</think>\n\nHi" });
  });

  test("a malformed call is kept as content, markup and all", () => {
    const bad = "<tool_call>\nnot json at all\n</tool_call>";
    expectParse(opts, "Before. " + bad + "\nAfter.", { content: "Before. " + bad + "\nAfter." });
    expectParse(opts, bad + weather("Rome"), {
      content: bad,
      calls: [{ name: "get_weather", arguments: { location: "Rome", unit: "celsius" } }],
    });
  });

  test("a call broken after its name is closed with the valid part of its arguments", () => {
    expectParse(opts, '<tool_call>\n{"name": "f", "arguments": {"a": 1, "b": oops}}\n</tool_call>\nAfter.', {
      content: "After.",
      calls: [{ name: "f", arguments: { a: 1 } }],
    });
  });

  test("unterminated call at the end: complete JSON is closed, a cut one repaired", () => {
    expectParse(opts, '<tool_call>\n{"name": "f", "arguments": {"a": 1}}', { calls: [{ name: "f", arguments: { a: 1 } }] });
    expectParse(opts, '<tool_call>\n{"name": "f", "arguments": {"a": 1, "b": "hel', {
      calls: [{ name: "f", arguments: { a: 1, b: "hel" } }],
    });
    expectParse(opts, '<tool_call>\n{"name": "f", "arguments": {"a": [1, {"b": tr', {
      calls: [{ name: "f", arguments: { a: [1, {}] } }],
    });
  });

  test("unterminated call before its name is known: raw text becomes content", () => {
    expectParse(opts, 'Hmm <tool_call>\n{"na', { content: 'Hmm <tool_call>\n{"na' });
    expectParse(opts, "Hmm <tool_call>", { content: "Hmm <tool_call>" });
  });

  test("a closing tag cut off at the end is dropped", () => {
    expectParse(opts, '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_c', { calls: [{ name: "f", arguments: {} }] });
  });

  test("raw control characters inside argument strings are escaped", () => {
    expectParse(opts, '<tool_call>{"name": "w", "arguments": {"text": "line1\nline2\ttab"}}</tool_call>', {
      calls: [{ name: "w", arguments: { text: "line1\nline2\ttab" } }],
    });
  });

  test("arguments stream before the call ends", () => {
    const events = eventsAfter(opts, '<tool_call>\n{"name": "write", "arguments": {"text": "a long argument that is still');
    expect(events.some((e) => e.type === "tool_call_start" && e.name === "write")).toBe(true);
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"text": "a long argument that is still');
    expect(events.some((e) => e.type === "tool_call_end")).toBe(false);
  });

  test("content streams without waiting for the end", () => {
    // Trailing whitespace waits: it is dropped if a call follows.
    const events = eventsAfter(opts, "Hello world, this is ");
    expect(events.map((e) => (e.type === "text" ? e.text : "")).join("")).toBe("Hello world, this is");
  });

  test("custom id prefix", () => {
    const out = parse({ ...opts, idPrefix: "fc_" }, weather("Paris"));
    expect(out.calls[0]!.id).toMatch(/^fc_[A-Za-z0-9]{24}$/);
  });
});
