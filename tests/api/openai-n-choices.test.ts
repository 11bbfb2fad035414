// Chat Completions with n > 1: the events of several choices -> n choices in the answer, chunks
// whose choices[0].index says which choice, usage counting the prompt once. Converters, the
// route (ScriptedEngine), and the official openai SDK reading both shapes.
import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import OpenAI from "openai";
import { accumulateChoices } from "../../api/generation.ts";
import type { SseFrame } from "../../api/http/sse.ts";
import { openaiRoutes } from "../../api/openai/routes.ts";
import { ChatStreamConverter, type UsageMode } from "../../api/openai/streamConverter.ts";
import { toChatCompletion } from "../../api/openai/toResponse.ts";
import type { GenerateEvent, Usage } from "../../core/index.ts";
import { choicesScript, ScriptedEngine, usage } from "../support/scriptedEngine.ts";

const ctx = { id: "chatcmpl-n", created: 1700000000, model: "test-model" };
const lp = (token: string) => ({ token, bytes: [...new TextEncoder().encode(token)], logprob: -0.5, top: [] });
const choiceUsage = (completionTokens: number, reasoningTokens = 0): Usage => ({ ...usage, promptTokens: 9, cachedPromptTokens: 4, completionTokens, reasoningTokens });
const total: Usage = { ...usage, promptTokens: 9, cachedPromptTokens: 4, completionTokens: 12, reasoningTokens: 2, tokensPerSecond: 40 };

/** Three choices, interleaved: 0 hits max_tokens, 1 calls a tool, 2 reasons then stops on a stop string. */
const THREE: GenerateEvent[] = [
  { type: "start", promptTokens: 9, prompt: "<user>Hi" },
  { type: "text", text: "Once", logprobs: [lp("Once")], choice: 0 },
  { type: "reasoning", text: "hmm", choice: 2 },
  { type: "tool_call_start", index: 0, id: "call_aaa", name: "ls", choice: 1 },
  { type: "text", text: " upon", logprobs: [lp(" upon")], choice: 0 },
  { type: "tool_call_delta", index: 0, argumentsDelta: '{"path":', choice: 1 },
  { type: "text", text: "Yes", logprobs: [lp("Yes")], choice: 2 },
  { type: "tool_call_delta", index: 0, argumentsDelta: '"/"}', choice: 1 },
  { type: "tool_call_end", index: 0, choice: 1 },
  { type: "choice_done", choice: 1, finishReason: "tool_calls", usage: choiceUsage(5) },
  { type: "choice_done", choice: 2, finishReason: "stop_sequence", stopSequence: "END", usage: choiceUsage(3, 2) },
  { type: "text", text: " a", logprobs: [lp(" a")], choice: 0 },
  { type: "choice_done", choice: 0, finishReason: "max_tokens", usage: choiceUsage(4) },
  { type: "done", finishReason: "max_tokens", usage: total },
];

describe("non-streamed n > 1", () => {
  test("n choices, index 0..n-1, each with its own message, finish_reason and logprobs; usage of the whole request", () => {
    const completion = toChatCompletion(accumulateChoices(THREE), { ...ctx, logprobs: true, returnPrompt: true });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(completion.choices.map((c) => c.finish_reason)).toEqual(["length", "tool_calls", "stop"]);
    expect(completion.choices[0]!.message).toEqual({ role: "assistant", content: "Once upon a", reasoning: "" });
    expect(completion.choices[1]!.message).toEqual({
      role: "assistant",
      content: null,
      reasoning: "",
      tool_calls: [{ id: "call_aaa", type: "function", function: { name: "ls", arguments: '{"path":"/"}' } }],
    });
    expect(completion.choices[2]!.message).toEqual({ role: "assistant", content: "Yes", reasoning: "hmm" });
    expect(completion.choices.map((c) => c.logprobs!.content.map((t) => t.token))).toEqual([["Once", " upon", " a"], [], ["Yes"]]);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 12,
      total_tokens: 21,
      reasoning_tokens: 2,
      prompt_tokens_details: { cached_tokens: 4 },
    });
    // The rendered prompt once, not per choice.
    expect(completion.prompt).toBe("<user>Hi");
  });

  test("each choice keeps its own finish details; the single-choice fold still works without choice_done", () => {
    const folded = accumulateChoices(THREE);
    expect(folded.choices.map((c) => [c.finishReason, c.stopSequence, c.usage.completionTokens])).toEqual([
      ["max_tokens", undefined, 4],
      ["tool_calls", undefined, 5],
      ["stop_sequence", "END", 3],
    ]);
    const single = accumulateChoices([{ type: "start", promptTokens: 2 }, { type: "text", text: "x" }, { type: "done", finishReason: "eos", usage }]);
    expect(single.choices).toHaveLength(1);
    expect(single.choices[0]).toMatchObject({ text: "x", finishReason: "eos" });
  });

  test("a choice that never finished is a server error, not a silently short answer", () => {
    const cut = THREE.filter((e) => !(e.type === "choice_done" && e.choice === 1));
    expect(() => accumulateChoices(cut)).toThrow("Choice 1");
  });
});

describe("streamed n > 1", () => {
  const run = (events: GenerateEvent[], usageMode: UsageMode = "final", n = 3) => {
    const converter = new ChatStreamConverter({ ...ctx, usage: usageMode, n, logprobs: true });
    const frames = events.flatMap((e) => converter.process(e)).map((f: SseFrame) => ("data" in f ? f.data : ""));
    expect(frames.at(-1)).toBe("[DONE]");
    expect(converter.finished).toBe(true);
    return frames.slice(0, -1).map((d) => JSON.parse(d));
  };

  test("every chunk carries one choice; each choice opens with its role and ends with its own finish chunk", () => {
    const chunks = run(THREE);
    const withChoice = chunks.filter((c) => c.choices.length > 0);
    expect(withChoice.every((c) => c.choices.length === 1)).toBe(true);
    for (const index of [0, 1, 2]) {
      const mine = withChoice.filter((c) => c.choices[0].index === index).map((c) => c.choices[0]);
      expect(mine[0].delta.role).toBe("assistant");
      expect(mine.slice(1).every((c: any) => c.delta.role === undefined)).toBe(true);
      expect(mine.filter((c: any) => c.finish_reason !== null)).toHaveLength(1);
      expect(mine.at(-1).finish_reason).not.toBeNull();
    }
    const text = (index: number) =>
      withChoice.filter((c) => c.choices[0].index === index).map((c) => c.choices[0].delta.content ?? "").join("");
    expect([text(0), text(1), text(2)]).toEqual(["Once upon a", "", "Yes"]);
    expect(withChoice.filter((c) => c.choices[0].index === 2).map((c) => c.choices[0].delta.reasoning).filter(Boolean)).toEqual(["hmm"]);
    expect(withChoice.find((c) => c.choices[0].delta.tool_calls)!.choices[0]).toEqual({
      index: 1,
      delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_aaa", type: "function", function: { name: "ls", arguments: "" } }] },
      logprobs: null,
      finish_reason: null,
    });
    // Logprobs ride on their own choice's chunks.
    expect(withChoice.filter((c) => c.choices[0].index === 0 && c.choices[0].logprobs?.content.length).map((c) => c.choices[0].logprobs.content[0].token)).toEqual(["Once", " upon", " a"]);
  });

  test("finish chunks go out as each choice ends; the last one carries the request's usage", () => {
    const chunks = run(THREE);
    const finishes = chunks.map((c, at) => ({ at, choice: c.choices[0]?.index, reason: c.choices[0]?.finish_reason, usage: c.usage })).filter((f) => f.reason);
    expect(finishes.map((f) => [f.choice, f.reason])).toEqual([[1, "tool_calls"], [2, "stop"], [0, "length"]]);
    // Choice 1 and 2 ended before choice 0's last text: their finish chunks came before it.
    const lastText = chunks.findIndex((c) => c.choices[0]?.delta.content === " a");
    expect(finishes[0]!.at).toBeLessThan(lastText);
    expect(finishes[1]!.at).toBeLessThan(lastText);
    expect(finishes.slice(0, 2).every((f) => f.usage === undefined)).toBe(true);
    expect(finishes[2]!.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 4 } });
    expect(chunks.at(-1)).toBe(chunks[finishes[2]!.at]);
  });

  test("stream_options.include_usage: usage null on every choice chunk, then one chunk with no choices and the usage", () => {
    const chunks = run(THREE, "separate");
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 12 });
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(3);
  });

  test("include_usage off: no usage anywhere", () => {
    expect(run(THREE, "none").every((c) => c.usage === undefined)).toBe(true);
  });

  test("a choice that wrote nothing still gets its role chunk before its finish", () => {
    const chunks = run(
      [
        { type: "start", promptTokens: 3 },
        { type: "text", text: "a", choice: 1 },
        { type: "choice_done", choice: 0, finishReason: "eos", usage },
        { type: "choice_done", choice: 1, finishReason: "eos", usage },
        { type: "done", finishReason: "eos", usage },
      ],
      "none",
      2,
    );
    expect(chunks.map((c) => [c.choices[0].index, c.choices[0].delta, c.choices[0].finish_reason])).toEqual([
      [1, { role: "assistant", content: "a" }, null],
      [0, { role: "assistant", content: "" }, null],
      [0, {}, "stop"],
      [1, {}, "stop"],
    ]);
  });
});

describe("route and the openai SDK, n = 3", () => {
  const texts = ["Hi", "Hello", "Hey"];
  const client = (engine: ScriptedEngine) => {
    const app = new Elysia().use(openaiRoutes(engine));
    return new OpenAI({
      baseURL: "http://localhost/v1",
      apiKey: "x",
      maxRetries: 0,
      fetch: (url: string | URL | Request, init?: RequestInit) => app.handle(new Request(url, init)),
    });
  };
  const request = { model: "test-model", messages: [{ role: "user" as const, content: "Hi" }], n: 3, seed: 7 };

  test("n and seed reach the engine; the SDK reads n choices", async () => {
    const engine = new ScriptedEngine(choicesScript(texts));
    const completion = await client(engine).chat.completions.create(request);
    expect(engine.requests[0]!.n).toBe(3);
    // seed+i per choice is the runner's job: the request carries the seed as given.
    expect(engine.requests[0]!.sampling.seed).toBe(7);
    expect(completion.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "Hi", "stop"],
      [1, "Hello", "stop"],
      [2, "Hey", "stop"],
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 });
  });

  test("the SDK's stream helper assembles every choice from the chunks", async () => {
    const runner = client(new ScriptedEngine(choicesScript(texts))).chat.completions.stream({ ...request, stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, "Hi", "stop"],
      [1, "Hello", "stop"],
      [2, "Hey", "stop"],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 10 });
  });

  test("n out of range is a 400 naming n", async () => {
    for (const n of [0, 129, 1.5, "2"]) {
      const failure = await client(new ScriptedEngine()).chat.completions.create({ ...request, n: n as number }).catch((e) => e);
      expect(failure.status).toBe(400);
      expect(failure.error.param).toBe("n");
    }
  });
});
