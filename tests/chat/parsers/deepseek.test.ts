import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse } from "./harness.ts";

const opts: ParserOptions = { family: "deepseek", reasoning: "auto" };
const MARKUP = ["<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>", "<｜tool▁calls▁end｜>", "```", "</think>"];

const r1Call = (name: string, args: string) =>
  `<｜tool▁call▁begin｜>function<｜tool▁sep｜>${name}\n\`\`\`json\n${args}\n\`\`\`<｜tool▁call▁end｜>`;

describe("deepseek parser (V3 / R1 / V3.1)", () => {
  test("R1: reasoning opened by the prompt, then two fenced calls", () => {
    expectParse(
      { ...opts, thinkingForcedOpen: true },
      "Okay, the user wants the weather and the time.\n</think>\n\n<｜tool▁calls▁begin｜>" +
        r1Call("get_weather", '{"location": "Paris"}') +
        "\n" +
        r1Call("get_time", '{"tz": "CET"}') +
        "<｜tool▁calls▁end｜>",
      {
        reasoning: "Okay, the user wants the weather and the time.",
        calls: [
          { name: "get_weather", arguments: { location: "Paris" } },
          { name: "get_time", arguments: { tz: "CET" } },
        ],
      },
      MARKUP,
    );
  });

  test("V3.1: NAME<｜tool▁sep｜>{json}, content before", () => {
    expectParse(
      opts,
      'Checking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Tokyo", "days": 3}<｜tool▁call▁end｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
      {
        content: "Checking.",
        calls: [
          { name: "get_weather", arguments: { location: "Tokyo", days: 3 } },
          { name: "get_time", arguments: {} },
        ],
      },
      MARKUP,
    );
  });

  test("V3.1 thinking: the prompt ends with <think>", () => {
    expectParse({ ...opts, thinkingForcedOpen: true }, "Simple greeting.</think>Hello!", {
      reasoning: "Simple greeting.",
      content: "Hello!",
    });
  });

  test("R1 distill with its own <think> and plain content", () => {
    expectParse(opts, "<think>\nLet me add.\n</think>\n\n2 + 2 = 4", { reasoning: "Let me add.", content: "2 + 2 = 4" });
  });

  test("another spelling of the block opener, no closing of the block", () => {
    expectParse(opts, "<｜tool_calls_begin｜>" + r1Call("get_weather", '{"location": "Oslo"}'), {
      calls: [{ name: "get_weather", arguments: { location: "Oslo" } }],
    }, MARKUP);
  });

  test("lookalikes are content", () => {
    const text = "Use <｜tool▁calls and ``` fences, or <｜tool▁sep";
    expectParse(opts, text, { content: text });
  });

  test("malformed block is content", () => {
    const bad = "<｜tool▁calls▁begin｜>garbage<｜tool▁calls▁end｜>";
    expectParse(opts, bad + " then text", { content: bad + " then text" });
  });

  test("cut off inside the arguments: repaired", () => {
    expectParse(opts, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"location\": \"Pa", {
      calls: [{ name: "get_weather", arguments: { location: "Pa" } }],
    });
  });

  test("arguments stream", () => {
    const events = eventsAfter(opts, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"location\": \"Pa");
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"location": "Pa');
  });
});
