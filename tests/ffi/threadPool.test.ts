// Each context computes on its own ggml thread pools (ffi/shim.c, as llama-server's
// common_threadpools): ggml built without OpenMP (llama.cpp/build.sh) otherwise starts and joins
// a new set of threads for every decode.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Batch } from "../../ffi/batch.ts";
import { Context } from "../../ffi/context.ts";
import { lib, libraryDir } from "../../ffi/library.ts";
import { Model } from "../../ffi/model.ts";
import { STORIES_260K } from "../support/models.ts";

let model: Model;
beforeAll(() => {
  model = Model.load(STORIES_260K);
});
afterAll(() => model.free());

/** This process's threads named like the test's own thread: ggml's workers inherit the name; Bun's
 *  own (JIT, allocator) have theirs. */
function workerLikeThreads(): Set<string> {
  const name = (tid: string) => readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
  const own = name(String(process.pid));
  return new Set(readdirSync("/proc/self/task").filter((tid) => name(tid) === own));
}

function decodeSteps(context: Context, steps: number, promptTokens: number): void {
  const batch = new Batch(64);
  try {
    for (let i = 0; i < promptTokens; i++) batch.add(1 + i, i, 0, i === promptTokens - 1);
    expect(context.decode(batch)).toBe(0);
    for (let step = 0; step < steps; step++) {
      batch.clear();
      batch.add(2 + step, promptTokens + step, 0, true);
      expect(context.decode(batch)).toBe(0);
    }
  } finally {
    batch.dispose();
  }
}

/** Two threads: one worker (the caller is the pool's first thread). More threads than cores
 *  would spin against each other at ggml's barriers on a two-core machine. */
const twoThreadContext = () =>
  new Context(model, {
    contextSize: 256, batchSize: 64, microBatchSize: 64, sequences: 1, threads: 2, threadsBatch: 2, flashAttention: -1, unifiedKvCache: false,
  });

/** The build's own record of its cmake flags (llama.cpp/build.sh); GGML_OPENMP=OFF unless asked. */
const buildConfig = join(libraryDir(), "..", ".config");
const openmp = lib().llama_print_system_info()?.toString().includes("OPENMP = 1") ?? false;

test("ggml's threading is the one the build asked for (without OpenMP by default)", () => {
  expect(existsSync(buildConfig)).toBe(true);
  expect(openmp).toBe(readFileSync(buildConfig, "utf8").includes("-DGGML_OPENMP=ON"));
});

// With OpenMP the pool only carries the thread count (libgomp keeps its own threads).
test.skipIf(openmp)("a context's worker threads start with it, serve every decode and prompt, and stop when it is freed", () => {
  const before = workerLikeThreads();
  const context = twoThreadContext();
  try {
    const withPools = workerLikeThreads();
    const workers = [...withPools].filter((tid) => !before.has(tid));
    expect(workers.length).toBe(1);
    decodeSteps(context, 6, 20);
    expect(workerLikeThreads()).toEqual(withPools);
  } finally {
    context.free();
  }
  expect(workerLikeThreads()).toEqual(before);
});

/** A thread's scheduler state (R running or runnable, S sleeping) and its CPU time in clock ticks. */
function threadStat(tid: string): { state: string; ticks: number } {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, ticks: Number(fields[11]) + Number(fields[12]) };
}

// After a graph ggml's workers poll for the next one on a core (about 130 ms at ggml's default);
// a runner with nothing to decode tells its context, and they sleep at once.
test.skipIf(openmp)("an idle context's workers sleep without polling, and the next decode wakes them", () => {
  const before = workerLikeThreads();
  const context = twoThreadContext();
  try {
    const [worker] = [...workerLikeThreads()].filter((tid) => !before.has(tid));
    decodeSteps(context, 2, 8);
    const ticks = threadStat(worker!).ticks;
    context.idle();
    const deadline = performance.now() + 2000;
    while (threadStat(worker!).state !== "S" && performance.now() < deadline) Bun.sleepSync(1);
    const after = threadStat(worker!);
    expect(after.state).toBe("S");
    // Polling out ggml's rounds takes over 100 ms of CPU (10 ticks); going to sleep takes none.
    expect(after.ticks - ticks).toBeLessThan(4);
    context.clearSequence(0);
    decodeSteps(context, 2, 8);
    expect(workerLikeThreads().has(worker!)).toBe(true);
  } finally {
    context.free();
  }
});
