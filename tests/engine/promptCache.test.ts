// The prompt cache in the scheduler, in-process on real models: prefix reuse in the sequences,
// states saved to host memory and to disk, n choices sharing one decoded prompt. The standard
// throughout: an answer with the cache is the answer without it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskCache } from "../../engine/cache/diskCache.ts";
import { PromptCache } from "../../engine/cache/promptCache.ts";
import type { Job, JobUpdate } from "../../engine/protocol.ts";
import { Scheduler } from "../../engine/scheduler.ts";
import { Context } from "../../ffi/context.ts";
import { Model } from "../../ffi/model.ts";
import type { SamplingParams } from "../../core/index.ts";
import { STORIES_260K } from "../support/models.ts";

const greedy: SamplingParams = {
  temperature: 0, topK: 40, topP: 1, minP: 0, repeatPenalty: 1, repeatLastN: 64, presencePenalty: 0, frequencyPenalty: 0,
  dryMultiplier: 0, dryBase: 1.75, dryAllowedLength: 2, dryPenaltyLastN: 0, drySequenceBreakers: [], xtcProbability: 0,
  xtcThreshold: 0.1, xtcMinKeep: 1,
};

type JobInput = Omit<Job, "id" | "addSpecial" | "stop" | "renderSpecial">;
type Done = Extract<JobUpdate, { type: "done" }>;

let model: Model;
let nextId = 1;
const dirs: string[] = [];

beforeAll(() => {
  model = Model.load(STORIES_260K);
});
afterAll(() => {
  model.free();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bunllama-kv-"));
  dirs.push(dir);
  return dir;
}

/** A scheduler on its own context; `sequences` sequences of 512 tokens each. */
function engine(options: { sequences?: number; cache?: PromptCache; unified?: boolean; contextSize?: number } = {}) {
  const sequences = options.sequences ?? 2;
  const context = new Context(model, {
    contextSize: options.contextSize ?? 512 * sequences, batchSize: 64, microBatchSize: 64, sequences, threads: 1, threadsBatch: 1,
    flashAttention: -1, unifiedKvCache: options.unified ?? false,
  });
  const scheduler = new Scheduler(model, context, sequences, 64, options.cache);
  return {
    scheduler,
    run(jobs: JobInput[]): JobUpdate[][] {
      const results = new Map<number, JobUpdate[]>();
      for (const job of jobs) {
        const id = nextId++;
        const { prompt, ...rest } = job;
        // The runner receives tokens (the server's tokenizer process made them).
        const tokens = Array.from(model.vocab.tokenize(prompt, true, true));
        results.set(id, [scheduler.submit({ id, stop: [], renderSpecial: false, ...rest, tokens })]);
      }
      while (!scheduler.idle) for (const update of scheduler.step()) results.get(update.id)!.push(update);
      return [...results.values()];
    },
    free() {
      scheduler.dispose();
      context.free();
    },
  };
}

const textOf = (updates: JobUpdate[], choice = 0) =>
  updates.map((u) => (u.type === "text" && (u.choice ?? 0) === choice ? u.text : "")).join("");
const doneOf = (updates: JobUpdate[], choice = 0) => updates.find((u): u is Done => u.type === "done" && (u.choice ?? 0) === choice)!;

const STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.";
const turn = (history: string, user: string) => `${history}\nUser: ${user}\nStory:`;

/** A conversation of `turns` turns, each prompt extending the previous prompt and answer. */
function converse(run: (jobs: JobInput[]) => JobUpdate[][], turns: string[], extra: Partial<JobInput> = {}) {
  let history = STORY;
  const answers: { text: string; done: Done }[] = [];
  for (const user of turns) {
    const prompt = turn(history, user);
    const [updates] = run([{ prompt, sampling: greedy, maxTokens: 16, ...extra }]);
    answers.push({ text: textOf(updates!), done: doneOf(updates!) });
    history = prompt + answers.at(-1)!.text;
  }
  return answers;
}

const TURNS = ["Tell me about the dog.", "What did Lily find?", "Who was her best friend?", "How did it end?"];

describe("prompt cache in the sequences", () => {
  test("a multi-turn greedy conversation is identical with and without reuse, and later turns reuse the earlier ones", () => {
    const cached = engine();
    const uncached = engine();
    try {
      const withCache = converse(cached.run, TURNS);
      const without = converse(uncached.run, TURNS, { cachePrompt: false });
      expect(withCache.map((a) => a.text)).toEqual(without.map((a) => a.text));
      expect(withCache[0]!.done.cachedTokens).toBe(0);
      for (const answer of without) expect(answer.done.cachedTokens).toBe(0);
      for (const answer of withCache.slice(1)) {
        // The previous prompt and most of its answer are in the sequence's KV already.
        expect(answer.done.cachedTokens).toBeGreaterThan(answer.done.promptTokens / 2);
        expect(answer.done.cachedTokens).toBeLessThan(answer.done.promptTokens);
      }
    } finally {
      cached.free();
      uncached.free();
    }
  });

  test("the same prompt again reuses all of it but the last token, which is decoded for its logits", () => {
    const e = engine();
    try {
      const [first] = e.run([{ prompt: STORY, sampling: greedy, maxTokens: 8 }]);
      const [second] = e.run([{ prompt: STORY, sampling: greedy, maxTokens: 8, topLogprobs: 3 }]);
      const [fresh] = e.run([{ prompt: STORY, sampling: greedy, maxTokens: 8, topLogprobs: 3, cachePrompt: false }]);
      expect(doneOf(second!).cachedTokens).toBe(doneOf(second!).promptTokens - 1);
      expect(doneOf(fresh!).cachedTokens).toBe(0);
      expect(textOf(second!)).toBe(textOf(first!));
      // The first generated token's distribution with and without reuse (batch shapes differ).
      const logprobs = (updates: JobUpdate[]) => (updates.find((u) => u.type === "text") as Extract<JobUpdate, { type: "text" }>).logprobs![0]!;
      const a = logprobs(second!);
      const b = logprobs(fresh!);
      expect(a.top.map((t) => t.token)).toEqual(b.top.map((t) => t.token));
      for (let i = 0; i < a.top.length; i++) expect(Math.abs(a.top[i]!.logprob - b.top[i]!.logprob)).toBeLessThan(1e-3);
    } finally {
      e.free();
    }
  });

  test("two concurrent requests with the same prefix each get the answer they get alone", () => {
    const e = engine();
    try {
      const alone = e.run([{ prompt: turn(STORY, "Tell me about the dog."), sampling: greedy, maxTokens: 24 }]);
      const together = e.run([
        { prompt: turn(STORY, "Tell me about the dog."), sampling: greedy, maxTokens: 24 },
        { prompt: turn(STORY, "Tell me about the dog."), sampling: greedy, maxTokens: 24 },
      ]);
      expect(textOf(together[0]!)).toBe(textOf(alone[0]!));
      expect(textOf(together[1]!)).toBe(textOf(alone[0]!));
      // One of them found the first request's sequence; the other had to decode everything.
      expect(together.map((u) => doneOf(u).cachedTokens).sort((a, b) => a - b)[1]).toBe(doneOf(alone[0]!).promptTokens - 1);
    } finally {
      e.free();
    }
  });
});

describe("prompt cache beyond the sequences", () => {
  test("a conversation pushed out of the only sequence is saved to host memory and restored", () => {
    const cache = new PromptCache(64 * 1024 * 1024);
    const e = engine({ sequences: 1, cache });
    const reference = engine({ sequences: 1 });
    try {
      const first = converse(e.run, TURNS.slice(0, 1));
      // Another conversation takes the sequence.
      e.run([{ prompt: "Tom had a big red ball. He liked to throw it high in the sky and catch it.", sampling: greedy, maxTokens: 16 }]);
      expect(cache.memoryEntries).toBe(1);
      const prompt = turn(turn(STORY, TURNS[0]!) + first[0]!.text, TURNS[1]!);
      const [restored] = e.run([{ prompt, sampling: greedy, maxTokens: 16 }]);
      const [plain] = reference.run([{ prompt, sampling: greedy, maxTokens: 16, cachePrompt: false }]);
      expect(textOf(restored!)).toBe(textOf(plain!));
      expect(doneOf(restored!).cachedTokens).toBeGreaterThan(doneOf(restored!).promptTokens / 2);
    } finally {
      e.free();
      reference.free();
    }
  });

  test("a restarted scheduler answers a known conversation from --cache-dir without reprocessing it", () => {
    const dir = tempDir();
    const before = engine({ cache: new PromptCache(0, new DiskCache(dir, "model-a", 1 << 30)) });
    const first = converse(before.run, TURNS.slice(0, 1));
    before.free();
    expect(readdirSync(dir).filter((f) => f.endsWith(".kv"))).toHaveLength(1);

    const prompt = turn(turn(STORY, TURNS[0]!) + first[0]!.text, TURNS[1]!);
    const after = engine({ cache: new PromptCache(0, new DiskCache(dir, "model-a", 1 << 30)) });
    const reference = engine();
    try {
      const [restored] = after.run([{ prompt, sampling: greedy, maxTokens: 16 }]);
      const [plain] = reference.run([{ prompt, sampling: greedy, maxTokens: 16, cachePrompt: false }]);
      expect(textOf(restored!)).toBe(textOf(plain!));
      expect(doneOf(restored!).cachedTokens).toBeGreaterThan(doneOf(restored!).promptTokens / 2);
    } finally {
      after.free();
      reference.free();
    }
  });

  test("conversations written out one after another, longer then shorter, each come back whole", () => {
    // Finished sequences go to disk through one reused buffer: the shorter state must not carry
    // the longer one's bytes, nor the longer one's entry change when the buffer is reused.
    const dir = tempDir();
    const before = engine({ cache: new PromptCache(0, new DiskCache(dir, "model-a", 1 << 30)) });
    const long = turn(STORY + " " + STORY, TURNS[0]!);
    const short = turn("Tom had a big red ball. He liked to throw it high in the sky and catch it.", TURNS[0]!);
    const [longAnswer] = before.run([{ prompt: long, sampling: greedy, maxTokens: 16 }]);
    const [shortAnswer] = before.run([{ prompt: short, sampling: greedy, maxTokens: 16 }]);
    before.free();
    const sizes = readdirSync(dir).filter((f) => f.endsWith(".kv")).map((f) => statSync(join(dir, f)).size).sort((a, b) => a - b);
    expect(sizes).toHaveLength(2);
    // Each file holds its own state only: the shorter conversation's is the smaller.
    expect(sizes[0]!).toBeLessThan(sizes[1]! * 0.8);

    const after = engine({ cache: new PromptCache(0, new DiskCache(dir, "model-a", 1 << 30)) });
    const reference = engine();
    try {
      for (const [prompt, answer] of [[long, longAnswer!], [short, shortAnswer!]] as const) {
        const next = turn(prompt + textOf(answer), TURNS[1]!);
        const [restored] = after.run([{ prompt: next, sampling: greedy, maxTokens: 16 }]);
        const [plain] = reference.run([{ prompt: next, sampling: greedy, maxTokens: 16, cachePrompt: false }]);
        expect(textOf(restored!)).toBe(textOf(plain!));
        expect(doneOf(restored!).cachedTokens).toBeGreaterThan(doneOf(restored!).promptTokens / 2);
      }
    } finally {
      after.free();
      reference.free();
    }
  });

  test("disk entries of another model or build are never loaded", () => {
    const dir = tempDir();
    const a = engine({ cache: new PromptCache(0, new DiskCache(dir, "model-a", 1 << 30)) });
    converse(a.run, TURNS.slice(0, 1));
    a.free();
    const [file] = readdirSync(dir);
    // Another fingerprint does not even list it; a file renamed to look like ours fails its header check.
    expect(new DiskCache(dir, "model-b", 1 << 30).size).toBe(0);
    const disguised = join(dir, file!.replace("model-a", "model-b"));
    writeFileSync(disguised, Bun.file(join(dir, file!)).size > 0 ? new Uint8Array(require("node:fs").readFileSync(join(dir, file!))) : new Uint8Array());
    expect(new DiskCache(dir, "model-b", 1 << 30).size).toBe(0);
    // A truncated file of the right model is refused too.
    writeFileSync(join(dir, file!), new Uint8Array(require("node:fs").readFileSync(join(dir, file!))).subarray(0, 100));
    expect(new DiskCache(dir, "model-a", 1 << 30).size).toBe(0);
  });
});

describe("n choices", () => {
  test("each choice is what a single request with seed+i gives; the prompt is decoded once", () => {
    const sampling = { ...greedy, temperature: 1, topK: 0, seed: 42 };
    const e = engine({ sequences: 3 });
    const reference = engine({ sequences: 1 });
    try {
      const [updates] = e.run([{ prompt: STORY, sampling, maxTokens: 12, n: 3 }]);
      const dones = updates!.filter((u): u is Done => u.type === "done");
      expect(dones.map((d) => d.choice).sort()).toEqual([0, 1, 2]);
      for (let choice = 0; choice < 3; choice++) {
        const [single] = reference.run([{ prompt: STORY, sampling: { ...sampling, seed: 42 + choice }, maxTokens: 12, cachePrompt: false }]);
        expect(textOf(updates!, choice)).toBe(textOf(single!));
        expect(doneOf(updates!, choice).promptTokens).toBe(doneOf(single!).promptTokens);
      }
      const texts = new Set([0, 1, 2].map((c) => textOf(updates!, c)));
      expect(texts.size).toBeGreaterThan(1);
    } finally {
      e.free();
      reference.free();
    }
  });

  test("n above the number of sequences is refused naming n", () => {
    const e = engine({ sequences: 2 });
    try {
      const [updates] = e.run([{ prompt: STORY, sampling: greedy, maxTokens: 4, n: 3 }]);
      expect(updates![0]).toMatchObject({ type: "error", error: { kind: "invalid_request", param: "n" } });
    } finally {
      e.free();
    }
  });
});

describe("unified KV buffer", () => {
  test("one request may use more than ctx/parallel while the others are short", () => {
    const e = engine({ sequences: 4, contextSize: 1024, unified: true });
    try {
      const long = `${STORY} `.repeat(12);
      const [updates] = e.run([{ prompt: long, sampling: greedy, maxTokens: 8 }]);
      expect(doneOf(updates!).promptTokens).toBeGreaterThan(1024 / 4);
      expect(doneOf(updates!).completionTokens).toBe(8);
    } finally {
      e.free();
    }
  });
});
