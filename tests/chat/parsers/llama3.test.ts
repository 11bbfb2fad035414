import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse, timeTool, weatherTool } from "./harness.ts";

const opts: ParserOptions = { family: "llama3", reasoning: "auto", tools: [weatherTool, timeTool] };

describe("llama3 parser (Llama 3.1 / 3.2 / 3.3)", () => {
  test("a custom tool call is the whole answer as bare JSON", () => {
    expectParse(opts, '{"name": "get_weather", "parameters": {"location": "Paris", "unit": "celsius"}}', {
      calls: [{ name: "get_weather", arguments: { location: "Paris", unit: "celsius" } }],
    });
  });

  test('"type": "function" first, "arguments" key, leading whitespace', () => {
    expectParse(opts, '\n {"type": "function", "name": "get_time", "arguments": {"tz": "UTC"}}', {
      calls: [{ name: "get_time", arguments: { tz: "UTC" } }],
    });
  });

  test("several calls separated by semicolons", () => {
    expectParse(opts, '{"name": "get_time", "parameters": {"tz": "UTC"}}; {"name": "get_weather", "parameters": {"location": "Oslo"}}', {
      calls: [
        { name: "get_time", arguments: { tz: "UTC" } },
        { name: "get_weather", arguments: { location: "Oslo" } },
      ],
    });
  });

  test("JSON that is not a call of a declared tool is content", () => {
    for (const text of [
      '{"name": "Alice", "parameters": {"age": 3}}',
      '{"answer": 42, "name": "get_time"}',
      "[1, 2, 3]",
      '{"name": "get_weather", "parameters": {"location": "Paris"}} is what I would send.',
    ]) {
      const expected = text.endsWith("send.")
        ? { calls: [{ name: "get_weather", arguments: { location: "Paris" } }], content: "is what I would send." }
        : { content: text };
      expectParse(opts, text, expected);
    }
  });

  test("no tools declared: bare JSON is always content", () => {
    const text = '{"name": "get_weather", "parameters": {"location": "Paris"}}';
    expectParse({ ...opts, tools: [] }, text, { content: text });
  });

  test("prose stays content, even when it mentions JSON later", () => {
    const text = 'Sure! You would call {"name": "get_time", "parameters": {}} for that.';
    expectParse(opts, text, { content: text });
  });

  test("<|python_tag|> built-in tool call", () => {
    expectParse(opts, '<|python_tag|>brave_search.call(query="weather in Paris, \\"today\\"", count=3, fresh=True)', {
      calls: [{ name: "brave_search", arguments: { query: 'weather in Paris, "today"', count: 3, fresh: true } }],
    });
  });

  test("<|python_tag|> with JSON", () => {
    expectParse(opts, '<|python_tag|>{"name": "get_weather", "parameters": {"location": "Rome"}}', {
      calls: [{ name: "get_weather", arguments: { location: "Rome" } }],
    });
  });

  test("<|python_tag|> with code: the code interpreter", () => {
    const code = 'import math\nprint(math.sqrt(2), "done")';
    expectParse(opts, "Let me compute that.<|python_tag|>" + code, {
      content: "Let me compute that.",
      calls: [{ name: "python", arguments: { code } }],
    }, ["<|python_tag|>"]);
  });

  test("malformed built-in call is content", () => {
    expectParse(opts, "<|python_tag|>search.call(query=)", { content: "<|python_tag|>search.call(query=)" });
  });

  test("a cut-off bare call is repaired", () => {
    expectParse(opts, '{"name": "get_weather", "parameters": {"location": "Par', {
      calls: [{ name: "get_weather", arguments: { location: "Par" } }],
    });
  });

  test("arguments stream", () => {
    const events = eventsAfter(opts, '{"name": "get_weather", "parameters": {"location": "Pa');
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"location": "Pa');
  });
});
