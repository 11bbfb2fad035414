// JobEvents: a job's runner updates -> GenerateEvents, one output parser per choice, a
// choice_done per choice and one final done counting the prompt once.
import { describe, expect, test } from "bun:test";
import { createOutputParser, type ParserOptions } from "../../chat/parsers/index.ts";
import type { GenerateEvent } from "../../core/index.ts";
import { JobEvents } from "../../engine/jobEvents.ts";
import type { JobUpdate } from "../../engine/protocol.ts";

const hermes: ParserOptions = { family: "hermes", reasoning: "auto" };
const newJob = (n: number, prompt?: string) => new JobEvents(n, () => createOutputParser(hermes), prompt);
const call = (location: string) => `<tool_call>\n{"name": "get_weather", "arguments": {"location": "${location}"}}\n</tool_call>`;

const text = (text: string, choice?: number, tokens = 1): JobUpdate => ({ id: 1, type: "text", text, tokens, ...(choice === undefined ? {} : { choice }) });
const done = (choice: number | undefined, completionTokens: number, extra: Partial<Extract<JobUpdate, { type: "done" }>> = {}): JobUpdate => ({
  id: 1,
  type: "done",
  finishReason: "eos",
  promptTokens: 20,
  cachedTokens: 8,
  completionTokens,
  promptMs: 30,
  generationMs: 100,
  ...(choice === undefined ? {} : { choice }),
  ...extra,
});

function feed(job: JobEvents, updates: JobUpdate[]): GenerateEvent[] {
  return updates.flatMap((u) => {
    expect(job.finished).toBe(false);
    return job.events(u);
  });
}

describe("JobEvents with one choice", () => {
  test("events as before: no choice field, no choice_done, one done with the runner's usage", () => {
    const job = newJob(1, "<prompt>");
    const events = feed(job, [{ id: 1, type: "start", promptTokens: 20 }, text("Hi"), done(undefined, 1)]);
    expect(job.finished).toBe(true);
    expect(events).toEqual([
      { type: "start", promptTokens: 20, prompt: "<prompt>" },
      { type: "text", text: "Hi" },
      {
        type: "done",
        finishReason: "eos",
        usage: { promptTokens: 20, cachedPromptTokens: 8, completionTokens: 1, reasoningTokens: 0, promptMs: 30, generationMs: 100, tokensPerSecond: 10 },
      },
    ]);
  });
});

describe("JobEvents with three choices", () => {
  const run = () => {
    const job = newJob(3);
    const events = feed(job, [
      { id: 1, type: "start", promptTokens: 20 },
      text("<think>a</think>", 2, 3),
      text(call("Paris").slice(0, 15), 1),
      text("Plain ", 0),
      text(call("Paris").slice(15), 1, 10),
      done(1, 11),
      text("Yes.", 2),
      text("text", 0),
      done(2, 4, { finishReason: "stop_sequence", stopSequence: "END", generationMs: 200 }),
      text(`\n${call("Rome")}`, 0, 12),
    ]);
    expect(job.finished).toBe(false);
    events.push(...job.events(done(0, 14, { finishReason: "max_tokens" })));
    expect(job.finished).toBe(true);
    return events;
  };

  test("every content event says its choice; each choice's output is parsed on its own", () => {
    const events = run();
    const of = (choice: number) => events.filter((e) => "choice" in e && e.choice === choice && e.type !== "choice_done");
    const content = (choice: number) => of(choice).map((e) => (e.type === "text" ? e.text : "")).join("");
    expect(events.filter((e) => e.type !== "start" && e.type !== "done").every((e) => "choice" in e)).toBe(true);
    expect(content(0).trimEnd()).toBe("Plain text");
    expect(of(0).filter((e) => e.type === "tool_call_start").map((e) => (e as { name: string }).name)).toEqual(["get_weather"]);
    expect(of(1).filter((e) => e.type === "tool_call_start")).toHaveLength(1);
    expect(content(1)).toBe("");
    expect(of(2).filter((e) => e.type === "reasoning").map((e) => (e as { text: string }).text).join("")).toBe("a");
    expect(content(2)).toBe("Yes.");
    // Call ids are unique across choices.
    const ids = events.flatMap((e) => (e.type === "tool_call_start" ? [e.id] : []));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });

  test("a choice_done per choice as it ends, with its own finish reason and tokens; done last, the prompt counted once", () => {
    const events = run();
    const ends = events.filter((e) => e.type === "choice_done" || e.type === "done");
    expect(ends.map((e) => (e.type === "choice_done" ? [e.choice, e.finishReason, e.stopSequence, e.usage.completionTokens] : ["done", e.finishReason]))).toEqual([
      // The parser found a call: the turn ends with tool_calls.
      [1, "tool_calls", undefined, 11],
      [2, "stop_sequence", "END", 4],
      // Cut by the token limit after a complete call: max_tokens stays.
      [0, "max_tokens", undefined, 14],
      ["done", "max_tokens"],
    ]);
    const reasoning = ends.find((e) => e.type === "choice_done" && e.choice === 2)!;
    expect(reasoning.type === "choice_done" && reasoning.usage.reasoningTokens).toBe(3);
    expect(ends.at(-1)).toEqual({
      type: "done",
      finishReason: "max_tokens",
      // Choices decode side by side: the slowest choice's time is the request's.
      usage: { promptTokens: 20, cachedPromptTokens: 8, completionTokens: 29, reasoningTokens: 3, promptMs: 30, generationMs: 200, tokensPerSecond: 145 },
    });
  });

  test("an error ends the whole job", () => {
    const job = newJob(2);
    const events = feed(job, [text("a", 0), done(0, 1), { id: 1, type: "error", error: { kind: "internal", code: "runner_crashed", message: "gone" } }]);
    expect(job.finished).toBe(true);
    expect(events.map((e) => e.type)).toEqual(["text", "choice_done", "error"]);
  });
});
