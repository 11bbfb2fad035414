// OutputPipeline: parser events for one job, and the rule for a turn cut by the token limit.
import { describe, expect, test } from "bun:test";
import { createOutputParser, type ParserOptions } from "../../chat/parsers/index.ts";
import type { FinishReason, GenerateEvent } from "../../core/index.ts";
import { OutputPipeline } from "../../engine/output.ts";
import { chunkings, collect } from "../chat/parsers/harness.ts";

const hermes: ParserOptions = { family: "hermes", reasoning: "auto" };
const call = (location: string) => `<tool_call>\n{"name": "get_weather", "arguments": {"location": "${location}"}}\n</tool_call>`;
const TWO_CALLS = `${call("Paris")}\n${call("London")}`;
// The token limit struck inside the second call's arguments.
const CUT_IN_SECOND = `${call("Paris")}\n<tool_call>\n{"name": "get_weather", "arguments": {"location": "Lon`;

/** Every event the pipeline emits for `chunks`, as the runner's text updates, then done. */
function pipe(chunks: string[], reason: FinishReason): { events: GenerateEvent[]; perChunk: GenerateEvent[][]; output: OutputPipeline } {
  const output = new OutputPipeline(createOutputParser(hermes));
  const perChunk = chunks.map((text) => output.text({ id: 1, type: "text", text, tokens: 1 }));
  const events = [...perChunk.flat(), ...output.finish(reason)];
  return { events, perChunk, output };
}

const parsed = (events: GenerateEvent[]) =>
  collect(events.filter((e) => e.type !== "start" && e.type !== "done" && e.type !== "error") as never);

describe("a turn cut by the token limit", () => {
  test("inside a second call: the unfinished call is dropped, the first kept, under every chunking", () => {
    for (const { label, chunks } of chunkings(CUT_IN_SECOND)) {
      const { events, output } = pipe(chunks, "max_tokens");
      const outcome = parsed(events);
      expect({ label, calls: outcome.calls.map((c) => JSON.parse(c.args)) }).toEqual({ label, calls: [{ location: "Paris" }] });
      expect(output.finishReason("max_tokens")).toBe("max_tokens");
    }
  });

  test("in a second call's markup before its name: no call, and the markup is not flushed as text", () => {
    for (const tail of ["\n<tool_call>\n{\n\t", '\n<tool_call>\n{"name": "get_wea', "\n<tool_"]) {
      for (const { label, chunks } of chunkings(call("Paris") + tail)) {
        const outcome = parsed(pipe(chunks, "max_tokens").events);
        expect({ label, content: outcome.content.trim(), calls: outcome.calls.length }).toEqual({ label, content: "", calls: 1 });
      }
    }
  });

  test("text after a complete call, cut by the limit, is kept", () => {
    const outcome = parsed(pipe([`${call("Paris")}\nAnd now`], "max_tokens").events);
    expect(outcome.content.trim()).toBe("And now");
  });

  test("inside the first call: the call is reported, cut (finish_reason length tells the client)", () => {
    const { events } = pipe([`<tool_call>\n{"name": "get_weather", "arguments": {"location": "Pa`], "max_tokens");
    const outcome = parsed(events);
    expect(outcome.calls.map((c) => c.name)).toEqual(["get_weather"]);
  });

  test("after two complete calls: both are kept", () => {
    const { events } = pipe([TWO_CALLS], "max_tokens");
    expect(parsed(events).calls.map((c) => JSON.parse(c.args))).toEqual([{ location: "Paris" }, { location: "London" }]);
  });

  test("a turn that ends by itself keeps every call, and reports tool_calls", () => {
    for (const { label, chunks } of chunkings(TWO_CALLS)) {
      const { events, output } = pipe(chunks, "eos");
      expect({ label, n: parsed(events).calls.length }).toEqual({ label, n: 2 });
      expect(output.finishReason("eos")).toBe("tool_calls");
    }
  });

  test("the first call streams as it comes; a later call arrives once complete", () => {
    const { perChunk } = pipe(Array.from(TWO_CALLS), "eos");
    const firstDelta = perChunk.findIndex((events) => events.some((e) => e.type === "tool_call_delta" && e.index === 0));
    const firstEnd = perChunk.findIndex((events) => events.some((e) => e.type === "tool_call_end" && e.index === 0));
    expect(firstDelta).toBeLessThan(firstEnd);
    const secondStart = perChunk.findIndex((events) => events.some((e) => e.type === "tool_call_start" && e.index === 1));
    const secondEnd = perChunk.findIndex((events) => events.some((e) => e.type === "tool_call_end" && e.index === 1));
    expect(secondStart).toBe(secondEnd);
  });
});
