import { describe, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { expectParse, timeTool, weatherTool } from "./harness.ts";

const opts: ParserOptions = { family: "generic", reasoning: "auto", tools: [weatherTool, timeTool] };

describe("generic JSON parser", () => {
  test('{"tool_calls": [...]}', () => {
    expectParse(
      opts,
      '{"tool_calls": [{"name": "get_weather", "arguments": {"location": "Paris"}}, {"name": "get_time", "arguments": {"tz": "UTC"}}]}',
      {
        calls: [
          { name: "get_weather", arguments: { location: "Paris" } },
          { name: "get_time", arguments: { tz: "UTC" } },
        ],
      },
    );
  });

  test('{"tool_call": {...}} and a bare {"name", "arguments"}', () => {
    expectParse(opts, '{"tool_call": {"name": "get_time", "arguments": {"tz": "UTC"}}}', {
      calls: [{ name: "get_time", arguments: { tz: "UTC" } }],
    });
    expectParse(opts, ' {"name": "get_weather", "arguments": {"location": "Rome"}}\n', {
      calls: [{ name: "get_weather", arguments: { location: "Rome" } }],
    });
  });

  test("other JSON and prose are content", () => {
    for (const text of ['{"answer": 42}', '{"name": "Bob", "arguments": {}}', '{"tool_calls": "none"}', "Plain answer {not json}"]) {
      expectParse(opts, text, { content: text });
    }
  });

  test("reasoning before the JSON", () => {
    expectParse(opts, '<think>pick a tool</think>\n{"name": "get_time", "arguments": {}}', {
      reasoning: "pick a tool",
      calls: [{ name: "get_time", arguments: {} }],
    });
  });

  test("no tools declared: everything is content", () => {
    const text = '{"name": "get_time", "arguments": {}}';
    expectParse({ ...opts, tools: undefined }, text, { content: text });
  });

  test("cut off: repaired", () => {
    expectParse(opts, '{"tool_calls": [{"name": "get_weather", "arguments": {"location": "Ro', {
      calls: [{ name: "get_weather", arguments: { location: "Ro" } }],
    });
  });
});
