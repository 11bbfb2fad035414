import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse, timeTool, weatherTool } from "./harness.ts";

const opts: ParserOptions = { family: "qwen3-coder", reasoning: "auto", tools: [weatherTool, timeTool] };
const MARKUP = ["<tool_call>", "</tool_call>", "<function", "</function>", "<parameter", "</parameter>", "</think>"];

const call = (params: [string, string][], name = "get_weather") =>
  `<tool_call>\n<function=${name}>\n` +
  params.map(([k, v]) => `<parameter=${k}>\n${v}\n</parameter>\n`).join("") +
  "</function>\n</tool_call>";

describe("qwen3-coder parser (Qwen3-Coder / Qwen3.5 / Nemotron-3-Nano)", () => {
  test("parameters typed by the tool schema", () => {
    expectParse(
      opts,
      "I'll check the weather.\n\n" +
        call([
          ["location", "Paris, France"],
          ["days", "3"],
          ["detailed", "true"],
          ["coords", '{"lat": 48.85, "lon": 2.35}'],
          ["tags", '["a", "b"]'],
          ["note", "null"],
          ["unit", "celsius"],
        ]),
      {
        content: "I'll check the weather.",
        calls: [
          {
            name: "get_weather",
            arguments: {
              location: "Paris, France",
              days: 3,
              detailed: true,
              coords: { lat: 48.85, lon: 2.35 },
              tags: ["a", "b"],
              note: null,
              unit: "celsius",
            },
          },
        ],
      },
      MARKUP,
    );
  });

  test("string values keep their text: numbers, markup-like text, newlines, quotes", () => {
    const code = 'def f(a, b):\n    return a < b and "x" != \'</param\'\n\n';
    expectParse(opts, call([["location", "42"], ["note", code]]), {
      calls: [{ name: "get_weather", arguments: { location: "42", note: code } }],
    });
  });

  test("two calls, then content", () => {
    expectParse(
      opts,
      call([["location", "Paris"]]) + "\n" + call([["tz", "Europe/Paris"]], "get_time") + "\nDone.",
      {
        calls: [
          { name: "get_weather", arguments: { location: "Paris" } },
          { name: "get_time", arguments: { tz: "Europe/Paris" } },
        ],
        content: "Done.",
      },
      MARKUP,
    );
  });

  test("unknown tools and parameters: JSON-looking text is parsed, the rest kept as strings", () => {
    expectParse({ ...opts, tools: undefined }, call([["n", "7"], ["flag", "false"], ["s", "hello"], ["o", '{"k": 1}']], "other"), {
      calls: [{ name: "other", arguments: { n: 7, flag: false, s: "hello", o: { k: 1 } } }],
    });
  });

  test("Python-style booleans for boolean parameters; a bad number stays text", () => {
    expectParse(opts, call([["location", "x"], ["detailed", "True"], ["days", "three"]]), {
      calls: [{ name: "get_weather", arguments: { location: "x", detailed: true, days: "three" } }],
    });
  });

  test("Qwen3.5: reasoning opened by the prompt, closed before the call", () => {
    expectParse({ ...opts, thinkingForcedOpen: true }, "The user wants weather.\n</think>\n\n" + call([["location", "Rome"]]), {
      reasoning: "The user wants weather.",
      calls: [{ name: "get_weather", arguments: { location: "Rome" } }],
    });
  });

  test("a call that opens without closing the reasoning ends the reasoning", () => {
    expectParse({ ...opts, thinkingForcedOpen: true }, "Need weather.\n\n" + call([["location", "Rome"]]), {
      reasoning: "Need weather.",
      calls: [{ name: "get_weather", arguments: { location: "Rome" } }],
    });
  });

  test("Qwen3-Coder leaving out <tool_call> for a declared tool", () => {
    expectParse(opts, "<function=get_weather>\n<parameter=location>\nOslo\n</parameter>\n</function>", {
      calls: [{ name: "get_weather", arguments: { location: "Oslo" } }],
    });
  });

  test("lenient: no newlines around values, no </function>", () => {
    expectParse(opts, "<tool_call><function=get_weather><parameter=location>Bern</parameter><parameter=days>2</parameter></tool_call>", {
      calls: [{ name: "get_weather", arguments: { location: "Bern", days: 2 } }],
    });
  });

  test("lookalike text is content", () => {
    const text = "Include <functional> and write <tool_calls> or <parameter=x> in docs.";
    expectParse(opts, text, { content: text });
  });

  test("malformed call is content; a call broken mid-way keeps what it had", () => {
    expectParse(opts, "<tool_call>\nhello\n</tool_call>", { content: "<tool_call>\nhello\n</tool_call>" });
    expectParse(opts, "<tool_call>\n<function=get_weather>\n<parameter=location>\nParis\n</parameter>\ngarbage\n</tool_call>\nOk", {
      calls: [{ name: "get_weather", arguments: { location: "Paris" } }],
      content: "Ok",
    });
  });

  test("unterminated at the end: the call is closed with the text so far", () => {
    expectParse(opts, "<tool_call>\n<function=get_weather>\n<parameter=location>\nPar", {
      calls: [{ name: "get_weather", arguments: { location: "Par" } }],
    });
    expectParse(opts, "<tool_call>\n<function=get_weather>\n<parameter=days>\n4", {
      calls: [{ name: "get_weather", arguments: { days: 4 } }],
    });
    expectParse(opts, "<tool_call>\n<function=get_wea", { content: "<tool_call>\n<function=get_wea" });
  });

  test("string arguments stream", () => {
    const events = eventsAfter(opts, "<tool_call>\n<function=get_weather>\n<parameter=location>\nSan Francisco, Cal");
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"location": "San Francisco, Cal');
  });
});
