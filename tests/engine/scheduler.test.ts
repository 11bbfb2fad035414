// The scheduler in-process on the real-weights stories260K model (safe with any input).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Context } from "../../ffi/context.ts";
import { Model } from "../../ffi/model.ts";
import type { Job, JobUpdate } from "../../engine/protocol.ts";
import { Scheduler } from "../../engine/scheduler.ts";
import type { SamplingParams } from "../../core/index.ts";
import { STORIES_260K } from "../support/models.ts";

let model: Model;
let context: Context;
let scheduler: Scheduler;
let nextId = 1;

const greedy: SamplingParams = {
  temperature: 0, topK: 40, topP: 1, minP: 0, repeatPenalty: 1, repeatLastN: 64, presencePenalty: 0, frequencyPenalty: 0,
  dryMultiplier: 0, dryBase: 1.75, dryAllowedLength: 2, dryPenaltyLastN: 0, drySequenceBreakers: [], xtcProbability: 0,
  xtcThreshold: 0.1, xtcMinKeep: 1,
};

beforeAll(() => {
  model = Model.load(STORIES_260K);
  context = new Context(model, {
    contextSize: 1024, batchSize: 64, microBatchSize: 64, sequences: 2, threads: 1, threadsBatch: 1, flashAttention: -1, unifiedKvCache: false,
  });
  scheduler = new Scheduler(model, context, 2, 64);
});
afterAll(() => {
  scheduler.dispose();
  context.free();
  model.free();
});

function run(jobs: Omit<Job, "id" | "addSpecial" | "stop" | "renderSpecial">[]): Map<number, JobUpdate[]> {
  const results = new Map<number, JobUpdate[]>();
  for (const job of jobs) {
    const id = nextId++;
    const { prompt, ...rest } = job;
    // The runner receives tokens (the server's tokenizer process made them).
    const tokens = Array.from(model.vocab.tokenize(prompt, true, true));
    const start = scheduler.submit({ id, stop: [], renderSpecial: false, ...rest, tokens });
    results.set(id, [start]);
  }
  while (!scheduler.idle) for (const update of scheduler.step()) results.get(update.id)!.push(update);
  return results;
}

const textOf = (updates: JobUpdate[]) => updates.map((u) => (u.type === "text" ? u.text : "")).join("");

describe("Scheduler", () => {
  test("penalty windows far beyond the context are clamped to it: no allocation of their size", () => {
    const huge = 2 ** 31 - 1;
    const before = process.memoryUsage().rss;
    const [updates] = run([
      {
        prompt: "Once upon a time",
        sampling: { ...greedy, repeatPenalty: 1.1, repeatLastN: huge, dryMultiplier: 0.8, dryPenaltyLastN: huge },
        maxTokens: 4,
      },
    ]).values();
    expect(updates!.at(-1)).toMatchObject({ type: "done", completionTokens: 4 });
    // Unclamped, the windows allocate 8 and 16 GiB (this machine would kill the process first).
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
  });

  test("greedy decoding continues the story as the model was trained", () => {
    const [updates] = run([{ prompt: "Once upon a time", sampling: greedy, maxTokens: 12 }]).values();
    expect(textOf(updates!)).toStartWith(", there was a little girl named Lily");
    expect(updates!.at(-1)).toMatchObject({ type: "done", finishReason: "max_tokens", completionTokens: 12 });
  });

  test("a prompt longer than the batch is processed in chunks, beside a running sequence", () => {
    const long = "Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(6);
    const results = [...run([
      { prompt: "Once upon a time", sampling: greedy, maxTokens: 30 },
      { prompt: long, sampling: greedy, maxTokens: 5 },
    ]).values()];
    expect(textOf(results[0]!)).toStartWith(", there was a little girl named Lily");
    const start = results[1]![0] as Extract<JobUpdate, { type: "start" }>;
    expect(start.promptTokens).toBeGreaterThan(64);
    expect(results[1]!.at(-1)).toMatchObject({ type: "done", completionTokens: 5 });
  });

  test("a reasoning budget forces the close tag after that many reasoning tokens", () => {
    // stories260K has no think tags: "," opens the "reasoning" and "Bob" closes it, so the
    // greedy story (", there was a little girl named Lily") shows where the budget cut in.
    // (Its SPM tokenizer puts a space before the forced text.)
    const budget = { tokens: 3, open: ",", close: "Bob", startsOpen: false };
    const [updates] = run([{ prompt: "Once upon a time", sampling: greedy, maxTokens: 12, reasoningBudget: budget }]).values();
    const text = textOf(updates!);
    expect(text).toStartWith(", there was a Bob\n\n");
    const plain = textOf([...run([{ prompt: "Once upon a time", sampling: greedy, maxTokens: 12 }]).values()][0]!);
    expect(plain).not.toContain("Bob");
  });

  test("a reasoning block the prompt opened is closed at once with a zero budget", () => {
    const budget = { tokens: 0, open: "<think>", close: "The end.", startsOpen: true };
    const [updates] = run([{ prompt: "Once upon a time", sampling: greedy, maxTokens: 8, reasoningBudget: budget }]).values();
    expect(textOf(updates!)).toStartWith(" The end.\n\n");
  });

  test("a grammar constrains every token", () => {
    const [updates] = run([{ prompt: "Once upon a time", sampling: { ...greedy, grammar: 'root ::= " the end" ("!" | ".")' }, maxTokens: 20 }]).values();
    expect([" the end!", " the end."]).toContain(textOf(updates!));
    expect(updates!.at(-1)).toMatchObject({ type: "done", finishReason: "eos" });
  });

  test("a lazy grammar leaves text free until its trigger, then constrains it", () => {
    const sampling = { ...greedy, grammar: 'root ::= "girl" " who said yes."', grammarTriggers: ["[\\s\\S]*?(girl)[\\s\\S]*"] };
    const [updates] = run([{ prompt: "Once upon a time", sampling, maxTokens: 40 }]).values();
    expect(textOf(updates!)).toBe(", there was a little girl who said yes.");
    expect(updates!.at(-1)).toMatchObject({ type: "done", finishReason: "eos" });
  });

  test("a grammar llama.cpp cannot parse fails that request only", () => {
    const results = [...run([
      { prompt: "Once upon a time", sampling: { ...greedy, grammar: "root ::= (" }, maxTokens: 5 },
      { prompt: "Once upon a time", sampling: greedy, maxTokens: 5 },
    ]).values()];
    expect(results[0]!.at(-1)).toMatchObject({ type: "error", error: { kind: "invalid_request", code: "invalid_grammar" } });
    expect(results[1]!.at(-1)).toMatchObject({ type: "done", completionTokens: 5 });
  });
});

describe("Scheduler choosing flash attention per batch (auto on the CPU)", () => {
  test("off for a short suffix after a long cached prefix, on for the rest; the text is a plain scheduler's", () => {
    const auto = new Context(model, {
      contextSize: 1024, batchSize: 64, microBatchSize: 64, sequences: 2, threads: 1, threadsBatch: 1, flashAttention: -1, unifiedKvCache: false,
    });
    const perBatch = new Scheduler(model, auto, 2, 64, undefined, undefined, { flashAttentionPerBatch: true });
    let flash: boolean | undefined;
    const setting: (boolean | undefined)[] = [];
    const set = auto.setFlashAttention.bind(auto);
    auto.setFlashAttention = (on) => {
      flash = on;
      set(on);
    };
    const decode = auto.decode.bind(auto);
    auto.decode = (batch) => {
      setting.push(flash);
      return decode(batch);
    };
    const story = Array.from(model.vocab.tokenize("Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(30), true, true));
    const turns = [story.slice(0, 400), story.slice(0, 408)];
    const complete = (scheduler: Scheduler, tokens: number[]): JobUpdate[] => {
      const updates: JobUpdate[] = [scheduler.submit({ id: nextId++, stop: [], renderSpecial: false, tokens, sampling: greedy, maxTokens: 3 })];
      while (!scheduler.idle) updates.push(...scheduler.step());
      return updates;
    };
    try {
      // 400 tokens: six chunks of 64 with the kernel, the last 16 after 384 without (a short
      // suffix too), then two decode steps with it.
      const first = complete(perBatch, turns[0]!);
      expect(setting).toEqual([true, true, true, true, true, true, false, true, true]);
      // The second turn reuses the first's 400 tokens: 8 new ones attend over 400 (short suffix), then decoding.
      setting.length = 0;
      const second = complete(perBatch, turns[1]!);
      const done = second.at(-1) as Extract<JobUpdate, { type: "done" }>;
      // The first turn's answer continued the story, so a token or two of it is reused as well.
      expect(done.cachedTokens).toBeGreaterThanOrEqual(400);
      expect(setting).toEqual([false, true, true]);
      for (const [turn, updates] of [first, second].entries()) {
        const reference = complete(scheduler, turns[turn]!);
        expect(textOf(updates)).toBe(textOf(reference));
      }
    } finally {
      perBatch.dispose();
      auto.free();
    }
  });
});
