import { describe, expect, test } from "bun:test";
import type { ParserOptions } from "../../../chat/parsers/index.ts";
import { eventsAfter, expectParse } from "./harness.ts";

const opts: ParserOptions = { family: "gpt-oss", reasoning: "auto" };
const MARKUP = ["<|channel|>", "<|message|>", "<|end|>", "<|start|>", "<|call|>", "<|return|>", "<|constrain|>", "to=functions"];

describe("gpt-oss parser (harmony channels)", () => {
  test("analysis then final", () => {
    expectParse(
      opts,
      "<|channel|>analysis<|message|>User asks 2+2. Simple.<|end|><|start|>assistant<|channel|>final<|message|>2 + 2 = **4**.<|return|>",
      { reasoning: "User asks 2+2. Simple.", content: "2 + 2 = **4**." },
      MARKUP,
    );
  });

  test("without the end token (the server stops on it)", () => {
    expectParse(opts, "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Answer", {
      reasoning: "Think.",
      content: "Answer",
    });
  });

  test("analysis then a tool call with the recipient in the channel header", () => {
    expectParse(
      opts,
      '<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location":"Tokyo","unit":"celsius"}<|call|>',
      { reasoning: "Need the weather.", calls: [{ name: "get_weather", arguments: { location: "Tokyo", unit: "celsius" } }] },
      MARKUP,
    );
  });

  test("recipient in the role header, right after the generation prompt", () => {
    expectParse(opts, ' to=functions.get_time<|channel|>commentary json<|message|>{"tz": "UTC"}<|call|>', {
      calls: [{ name: "get_time", arguments: { tz: "UTC" } }],
    }, MARKUP);
  });

  test("a commentary preamble is content; two calls", () => {
    expectParse(
      opts,
      '<|channel|>commentary<|message|>Checking both.<|end|><|start|>assistant<|channel|>commentary to=functions.a <|constrain|>json<|message|>{}<|call|><|start|>assistant<|channel|>commentary to=functions.b <|constrain|>json<|message|>{"x": [1]}<|call|>',
      { content: "Checking both.", calls: [{ name: "a", arguments: {} }, { name: "b", arguments: { x: [1] } }] },
      MARKUP,
    );
  });

  test("reasoning 'none': analysis text becomes content, markup still removed", () => {
    expectParse({ ...opts, reasoning: "none" }, "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>final<|message|>Done", {
      content: "Think.Done",
    }, MARKUP);
  });

  test("plain text without a header is content", () => {
    for (const text of ["Hello there", "to be or not", "<b>bold</b> text"]) expectParse(opts, text, { content: text });
  });

  test("unterminated analysis is reasoning; a dangling header is dropped", () => {
    expectParse(opts, "<|channel|>analysis<|message|>Still thinking", { reasoning: "Still thinking" });
    expectParse(opts, "<|channel|>analysis<|message|>T.<|end|><|start|>assistant<|channel|>fin", { reasoning: "T." });
  });

  test("broken arguments are closed at the last valid point; cut-off ones repaired", () => {
    expectParse(opts, '<|channel|>commentary to=functions.f <|constrain|>json<|message|>{"a": 1, "b": Tokyo}<|call|>', {
      calls: [{ name: "f", arguments: { a: 1 } }],
    });
    expectParse(opts, '<|channel|>commentary to=functions.f <|constrain|>json<|message|>{"a": "x', {
      calls: [{ name: "f", arguments: { a: "x" } }],
    });
  });

  test("arguments stream", () => {
    const events = eventsAfter(opts, '<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location": "To');
    const args = events.flatMap((e) => (e.type === "tool_call_delta" ? [e.argumentsDelta] : [])).join("");
    expect(args).toBe('{"location": "To');
  });
});
