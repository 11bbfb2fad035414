// The runner's start-up jobs (warmUp.ts) must leave no trace in what requests get.
import { afterAll, expect, test } from "bun:test";
import { Context } from "../../ffi/context.ts";
import { Model } from "../../ffi/model.ts";
import type { JobUpdate } from "../../engine/protocol.ts";
import { Scheduler } from "../../engine/scheduler.ts";
import { warmUp } from "../../engine/warmUp.ts";
import { resolveSampling } from "../../core/index.ts";
import { STORIES_260K } from "../support/models.ts";

const model = Model.load(STORIES_260K);
const contexts: Context[] = [];
const schedulers: Scheduler[] = [];
afterAll(() => {
  for (const scheduler of schedulers) scheduler.dispose();
  for (const context of contexts) context.free();
  model.free();
});

/** Flash attention chosen per batch, as the runner does on the CPU. */
function newScheduler(): { scheduler: Scheduler; context: Context } {
  const context = new Context(model, {
    contextSize: 512, batchSize: 64, microBatchSize: 64, sequences: 2, threads: 1, threadsBatch: 1, flashAttention: -1, unifiedKvCache: false,
  });
  contexts.push(context);
  const scheduler = new Scheduler(model, context, 2, 64, undefined, undefined, { flashAttentionPerBatch: true });
  schedulers.push(scheduler);
  return { scheduler, context };
}

let nextId = 1;
function answer(scheduler: Scheduler, prompt: string, sampling: ReturnType<typeof resolveSampling>): string {
  const id = nextId++;
  const tokens = Array.from(model.vocab.tokenize(prompt, true, true));
  const updates: JobUpdate[] = [scheduler.submit({ id, tokens, sampling, maxTokens: 16, stop: [], renderSpecial: false })];
  while (!scheduler.idle) updates.push(...scheduler.step());
  expect(updates.at(-1)).toMatchObject({ type: "done", completionTokens: 16 });
  return updates.map((u) => (u.type === "text" ? u.text : "")).join("");
}

test("after the warm-up jobs the scheduler is idle and answers as a fresh one does", () => {
  const { scheduler: warmed, context } = newScheduler();
  warmUp(model, context, warmed, true);
  expect(warmed.idle).toBe(true);
  const { scheduler: fresh } = newScheduler();
  // The warm-up prompt ("Hello") is a prefix of this one: its cached KV is reused, not stale.
  for (const prompt of ["Hello there, said the cat", "Once upon a time"]) {
    const greedy = resolveSampling({ temperature: 0 });
    expect(answer(warmed, prompt, greedy)).toBe(answer(fresh, prompt, greedy));
    const seeded = resolveSampling({ seed: 7 });
    expect(answer(warmed, prompt, seeded)).toBe(answer(fresh, prompt, seeded));
  }
});
