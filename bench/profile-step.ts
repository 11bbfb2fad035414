// Where a decode step's time goes, in-process (no HTTP, no IPC): the runner's Scheduler on the
// bench model, with llama_decode, sampling and token pieces timed separately. Compare the
// per-token figure with llama-server's own "eval time ... ms per token" (its log) or with
// bench.ts's "server-reported decode" row to tell engine time from transport time.
//
//   bun bench/profile-step.ts --model PATH [--threads N] [--parallel N] [--streams N] [--max-tokens N] [--flash-attn -1|0|1] [--sampling greedy|defaults]
//                             [--matmul balanced|equal]   (equal: llamafile's equal share per thread; llama.cpp/patches/0002)
import { fromChatRequest } from "../api/openai/fromRequest.ts";
import { resolveSampling } from "../core/index.ts";
import type { JobUpdate, RunnerJob } from "../engine/protocol.ts";
import { Scheduler } from "../engine/scheduler.ts";
import { Context } from "../ffi/context.ts";
import { captureNativeLog } from "../ffi/log.ts";
import { setBalancedMatmul } from "../ffi/library.ts";
import { Model } from "../ffi/model.ts";
import { SamplerChain } from "../ffi/sampler.ts";
import { SamplingBatch } from "../ffi/samplingBatch.ts";
import { Vocab } from "../ffi/vocab.ts";
import { scriptArgs } from "./scriptArgs.ts";

const { args, modelPath, threads } = scriptArgs(
  "bun bench/profile-step.ts --model PATH [--threads N] [--parallel N] [--streams N] [--max-tokens N] [--flash-attn -1|0|1] [--sampling greedy|defaults] [--matmul balanced|equal]",
);
const parallel = Number(args.get("--parallel") ?? 4);
const streams = Number(args.get("--streams") ?? 1);
const maxTokens = Number(args.get("--max-tokens") ?? 64);

// Timers around the native calls the scheduler makes, patched on the prototypes.
const spent = { decode: 0, sample: 0, piece: 0, eog: 0 };
function timed<T extends object>(proto: T, name: keyof T & string, bucket: keyof typeof spent): void {
  const original = proto[name] as unknown as (...a: unknown[]) => unknown;
  (proto as Record<string, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return original.apply(this, a);
    } finally {
      spent[bucket] += performance.now() - t;
    }
  };
}
timed(Context.prototype, "decode", "decode");
timed(SamplingBatch.prototype, "run", "sample");
timed(Vocab.prototype, "piece", "piece");
timed(Vocab.prototype, "isEndOfGeneration", "eog");

captureNativeLog(false);
setBalancedMatmul(args.get("--matmul") !== "equal");
const model = Model.load(modelPath);
// -1: auto, as the engine runs it (llama.cpp's choice, then per batch)
const flashAttention = Number(args.get("--flash-attn") ?? -1);
const context = new Context(model, {
  contextSize: 4096,
  batchSize: 512,
  microBatchSize: 512,
  sequences: parallel,
  threads,
  threadsBatch: threads,
  flashAttention,
  unifiedKvCache: false,
});
const scheduler = new Scheduler(model, context, parallel, 512, undefined, undefined, { flashAttentionPerBatch: flashAttention === -1 });
const sampling = resolveSampling(fromChatRequest({
  model: "m",
  messages: [{ role: "user", content: "x" }],
  // greedy, or the API's own defaults (temperature 1 over the whole vocabulary)
  ...(args.get("--sampling") === "defaults" ? {} : { temperature: 0 }),
  seed: 42,
} as Parameters<typeof fromChatRequest>[0]).sampling);

let nextId = 1;
function job(n: number): RunnerJob {
  const prompt = `<|im_start|>user\nRequest ${n}. Write a long story about a lighthouse keeper.<|im_end|>\n<|im_start|>assistant\n`;
  return {
    id: nextId++,
    // The runner receives tokens (the server's tokenizer process makes them).
    tokens: Array.from(model.vocab.tokenize(prompt, false, true)),
    sampling,
    maxTokens,
    stop: [],
    renderSpecial: false,
  } as RunnerJob;
}

async function run(label: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const u = scheduler.submit(job(i));
    if (u.type === "error") throw new Error(u.error.message);
  }
  // Let prompts finish first so that the figures are about generation steps only.
  let steps = 0;
  let tokens = 0;
  let stepMs = 0;
  let yieldMs = 0;
  let generating = false;
  const zero = () => {
    for (const k of Object.keys(spent) as (keyof typeof spent)[]) spent[k] = 0;
  };
  while (!scheduler.idle) {
    const t0 = performance.now();
    const updates: JobUpdate[] = scheduler.step();
    const t1 = performance.now();
    // The runner yields to its event loop once per step (to let IPC in).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const t2 = performance.now();
    const produced = updates.filter((u) => u.type === "text").length;
    if (!generating) {
      if (produced === count) {
        generating = true;
        zero();
      }
      continue;
    }
    steps++;
    tokens += produced;
    stepMs += t1 - t0;
    yieldMs += t2 - t1;
  }
  const per = (x: number) => (x / steps).toFixed(2);
  const other = stepMs - spent.decode - spent.sample - spent.piece - spent.eog;
  console.log(
    `${label}: ${steps} steps, ${tokens} tokens, ${((tokens * 1000) / (stepMs + yieldMs)).toFixed(2)} tok/s; ` +
      `per step ms: total ${per(stepMs + yieldMs)} = decode ${per(spent.decode)} + sample ${per(spent.sample)} + ` +
      `piece ${per(spent.piece)} + eog ${per(spent.eog)} + other JS ${per(other)} + event-loop yield ${per(yieldMs)}`,
  );
}

await run("warm-up", 1);
await run("1 stream", 1);
await run("1 stream", 1);
if (streams > 1) {
  await run(`${streams} streams`, streams);
  await run(`${streams} streams`, streams);
}
scheduler.dispose();
context.free();
model.free();
