// Runner process: loads one model, owns its context, and runs the scheduler loop.
// It lives apart from the HTTP server because llama.cpp can abort the whole process.
import { rmSync } from "node:fs";
import { Context } from "../ffi/context.ts";
import { flashAttentionPerBatch } from "./flashAttention.ts";
import { lib } from "../ffi/library.ts";
import { DiskCache } from "./cache/diskCache.ts";
import { modelFingerprint } from "./cache/fingerprint.ts";
import { PromptCache } from "./cache/promptCache.ts";
import { captureNativeLog, drainNativeLog } from "../ffi/log.ts";
import { Model } from "../ffi/model.ts";
import { MtmdContext } from "../ffi/mtmd.ts";
import { buildMediaPrompt, MediaInputError, MediaPrompt } from "./mediaPrompt.ts";
import { LineChannel } from "./channel.ts";
import type { FromRunner, JobUpdate, RunnerJob, RunnerOptions, ToRunner } from "./protocol.ts";
import { Scheduler } from "./scheduler.ts";
import { warmUp } from "./warmUp.ts";
import { yieldToIo } from "./yieldToIo.ts";
import { ArrivalHold } from "./arrivalHold.ts";
import { runTokenizer } from "./tokenizerProcess.ts";
import type { EngineErrorInfo } from "../core/index.ts";

type Multimodal = NonNullable<RunnerJob["multimodal"]>;

const decoder = new TextDecoder();

let channel: LineChannel<ToRunner, FromRunner> | undefined;

function send(message: FromRunner): void {
  channel!.send(message);
}

function load(options: RunnerOptions): { model: Model; context: Context; scheduler: Scheduler; mtmd?: MtmdContext } {
  captureNativeLog(options.verbose);
  const model = Model.load(options.modelPath, { gpuLayers: options.gpuLayers, progressFd: 2 });
  const contextSize = options.contextSize > 0 ? options.contextSize : model.contextLengthTrained;
  const gpuOffload = options.gpuLayers !== 0 && lib().llama_supports_gpu_offload();
  const context = new Context(model, {
    contextSize,
    batchSize: options.batchSize,
    microBatchSize: Math.min(options.batchSize, 512),
    sequences: options.parallel,
    threads: options.threads,
    threadsBatch: options.threadsBatch,
    flashAttention: options.flashAttention,
    unifiedKvCache: options.kvUnified,
  });
  // The projector's threads: the batch threads, as llama-server gives its mtmd context.
  const mtmd = options.mmproj
    ? MtmdContext.load(options.mmproj, model, { gpu: options.gpuLayers !== 0, threads: options.threadsBatch, warmup: true })
    : undefined;
  const perBatch = flashAttentionPerBatch(options.flashAttention, gpuOffload);
  const scheduler = new Scheduler(model, context, options.parallel, options.batchSize, promptCache(options), mtmd, {
    flashAttentionPerBatch: perBatch,
  });
  warmUp(model, context, scheduler, perBatch);
  const vocab = model.vocab;
  send({
    type: "ready",
    info: {
      chatTemplate: model.chatTemplate(),
      bosText: vocab.bos >= 0 ? decoder.decode(vocab.piece(vocab.bos, true)) : "",
      eosText: vocab.eos >= 0 ? decoder.decode(vocab.piece(vocab.eos, true)) : "",
      addBos: vocab.addBos,
      contextPerSequence: context.sizePerSequence,
      vision: mtmd?.supportsVision ?? false,
      audio: mtmd?.supportsAudio ?? false,
    },
  });
  return { model, context, scheduler, mtmd };
}

/** The longest a job waits for those the server said follow it (arrivalHold.ts). */
const HOLD_MS = 25;

const MiB = 1024 * 1024;
/** The disk cache may hold this many times the memory cache's budget. */
const DISK_BUDGET_FACTOR = 4;

/** The disk cache's fingerprint carries the flash-attention setting the context was created
 *  with: it decides the V cache's layout, so saved states follow it. */
function promptCache(options: RunnerOptions): PromptCache | undefined {
  const ramBytes = options.cacheRamMiB * MiB;
  let disk: DiskCache | undefined;
  if (options.cacheDir) {
    const build = `${lib().llama_print_system_info()?.toString() ?? ""} flash_attn=${options.flashAttention}`;
    const fingerprint = modelFingerprint(options.modelPath, build);
    disk = new DiskCache(options.cacheDir, fingerprint, Math.max(ramBytes, 1024 * MiB) * DISK_BUDGET_FACTOR);
  }
  return ramBytes > 0 || disk ? new PromptCache(ramBytes, disk) : undefined;
}

export async function runRunner(): Promise<void> {
  // The same entry point starts a model's tokenizer process (see tokenizerClient.ts).
  if (process.env.BUNLLAMA_ROLE === "tokenizer") return runTokenizer();
  const inbox: ToRunner[] = [];
  let wake: (() => void) | undefined;
  channel = new LineChannel<ToRunner, FromRunner>((message) => {
    inbox.push(message);
    wake?.();
  });
  const socketPath = process.env.BUNLLAMA_CHANNEL;
  if (!socketPath) throw new Error("the runner is started by the server (BUNLLAMA_CHANNEL is not set)");
  const link = channel;
  await Bun.connect({
    unix: socketPath,
    socket: {
      open: (socket) => link.attach(socket),
      data: (_socket, data) => link.receive(data),
      drain: () => link.drain(),
      // The server owns this process: when it goes, so do we.
      close: () => process.exit(0),
    },
  });
  const nextMessage = () => new Promise<void>((resolve) => (wake = resolve));

  while (inbox.length === 0) await nextMessage();
  const first = inbox.shift()!;
  if (first.type !== "load") throw new Error(`runner expected a load message, got ${first.type}`);
  let engine: ReturnType<typeof load>;
  try {
    engine = load(first.options);
  } catch (error) {
    send({ type: "fatal", message: error instanceof Error ? error.message : String(error) });
    // Give the message time to leave before the process goes.
    setTimeout(() => process.exit(1), 100);
    return;
  }
  const { scheduler, mtmd, context } = engine;
  const verbose = first.options.verbose;

  const hold = new ArrivalHold(HOLD_MS);
  for (;;) {
    const updates: JobUpdate[] = [];
    for (let message = inbox.shift(); message; message = inbox.shift()) {
      if (message.type === "generate") {
        updates.push(submit(scheduler, message.job, mtmd));
        hold.arrived(message.following);
      } else if (message.type === "count") send(count(message.id, message.multimodal, mtmd));
      else if (message.type === "cancel") scheduler.cancel(message.id);
    }
    const holdLeft = hold.left(scheduler.decoding);
    if (!scheduler.idle && holdLeft === 0) updates.push(...scheduler.step());
    if (verbose) {
      const text = drainNativeLog();
      if (text) send({ type: "log", text });
    }
    if (updates.length > 0) send({ type: "updates", updates });
    if (holdLeft > 0) {
      await Promise.race([nextMessage(), Bun.sleep(holdLeft)]);
    } else if (scheduler.idle && inbox.length === 0) {
      context.idle();
      await nextMessage();
    }
    // Let IPC messages (new jobs, cancellations) in between decode steps.
    else await yieldToIo();
  }
}

function count(id: number, multimodal: Multimodal, mtmd: MtmdContext | undefined): FromRunner {
  const built = mediaPrompt(multimodal, mtmd);
  if (!(built instanceof MediaPrompt)) return { type: "counted", id, error: built };
  built.free();
  return { type: "counted", id, count: built.tokens.length };
}

/** A job with media is tokenized here by libmtmd, with its files (which it reads and deletes). */
function submit(scheduler: Scheduler, job: RunnerJob, mtmd: MtmdContext | undefined): JobUpdate {
  if (!job.multimodal) return scheduler.submit(job);
  const built = mediaPrompt(job.multimodal, mtmd);
  return built instanceof MediaPrompt ? scheduler.submit(job, built) : { id: job.id, type: "error", error: built };
}

/** The prompt with its media placed by libmtmd, or the 400 that names the file it refused. */
function mediaPrompt({ prompt, addSpecial, files }: Multimodal, mtmd: MtmdContext | undefined): MediaPrompt | EngineErrorInfo {
  if (!mtmd) {
    for (const file of files) rmSync(file.path, { force: true });
    return { kind: "invalid_request", code: "model_has_no_projector", message: "this model has no projector for image or audio input", param: files[0]?.param };
  }
  try {
    return buildMediaPrompt(mtmd, prompt, addSpecial, files);
  } catch (error) {
    if (!(error instanceof MediaInputError)) throw error;
    return { kind: "invalid_request", code: "media_undecodable", message: error.message, param: error.param };
  }
}
