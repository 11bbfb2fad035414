// The Engine behind every protocol: leases the model from the registry (loading it on demand),
// renders its chat template, and runs the job on its runner, turning updates into GenerateEvents.
import { createOutputParser } from "../chat/parsers/index.ts";
import { EventQueue } from "./eventQueue.ts";
import { planJob, type JobPlan } from "./jobPlan.ts";
import { JobEvents } from "./jobEvents.ts";
import type { LoadedModel, ModelRegistry, ModelStats } from "./registry.ts";
import { DEFAULT_MEDIA_POLICY, removeMedia, stageMedia, unsupportedMedia } from "./media.ts";
import type { MediaRef } from "./protocol.ts";
import type { RemoteMediaPolicy } from "../net/index.ts";
import { mediaParts, type Engine, type EngineErrorInfo, type GenerateEvent, type GenerateRequest, type ModelInfo } from "../core/index.ts";

export interface LocalEngineOptions {
  /** How image and audio URLs are fetched (--no-remote-media, --allow-private-urls). */
  media?: RemoteMediaPolicy;
}

export class LocalEngine implements Engine {
  readonly #mediaPolicy: RemoteMediaPolicy;

  constructor(
    readonly registry: ModelRegistry,
    options: LocalEngineOptions = {},
  ) {
    this.#mediaPolicy = options.media ?? DEFAULT_MEDIA_POLICY;
  }

  /** Loads a model ahead of requests (the default one at start-up); rejects with its load error. */
  async preload(name: string): Promise<void> {
    const id = this.registry.resolve(name);
    if (id === undefined) throw new Error(`model '${name}' does not exist`);
    const loaded = await this.registry.load(id);
    if ("error" in loaded) throw new Error(loaded.error.message);
  }

  stop(): Promise<void> {
    return this.registry.stopAll();
  }

  /** Ends every request in flight with this error (each protocol sends it as its error event). */
  failAll(error: EngineErrorInfo): void {
    this.registry.failAll(error);
  }

  listModels(): ModelInfo[] {
    return this.registry.list();
  }

  resolveModel(name: string): string | undefined {
    return this.registry.resolve(name);
  }

  loadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.registry.load(id);
  }

  unloadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    return this.registry.unload(id);
  }

  /** Requests running or queued across every model. */
  pendingRequests(): number {
    return this.registry.pendingRequests();
  }

  /** Each model's load and traffic now (for /metrics). */
  stats(): ModelStats[] {
    return this.registry.stats();
  }

  async countTokens(req: GenerateRequest): Promise<number | { error: EngineErrorInfo }> {
    const lease = await this.registry.acquire(req.model);
    if ("error" in lease) return lease;
    let media: MediaRef[] | undefined;
    try {
      const plan = await this.#plan(lease.model, req);
      if ("error" in plan) return plan;
      const { client } = lease.model;
      const { prompt, addSpecial } = plan.job;
      media = plan.job.media;
      const counted = media ? await client.countMedia(prompt, addSpecial, media) : await client.count(prompt, addSpecial);
      return typeof counted === "number" ? counted : { error: counted };
    } finally {
      removeMedia(media);
      lease.release();
    }
  }

  /** The job for a request: its media checked against the model, then (after the prompt renders) staged for the runner. */
  async #plan(model: LoadedModel, req: GenerateRequest, signal?: AbortSignal): Promise<JobPlan | { error: EngineErrorInfo }> {
    const parts = mediaParts(req.messages);
    const refused = unsupportedMedia(model.spec.id, parts, model.media);
    if (refused) return refused;
    const plan = planJob(req, model.template, model.traits, model.spec.sampling);
    if ("error" in plan || parts.length === 0) return plan;
    const staged = await stageMedia(parts, this.#mediaPolicy, signal);
    if ("error" in staged) return staged;
    plan.job.media = staged;
    return plan;
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const lease = await this.registry.acquire(req.model);
    if ("error" in lease) {
      yield errorEvent(lease.error);
      return;
    }
    let media: MediaRef[] | undefined;
    // One generator level per token matters on the stream's hot path: no delegation here.
    try {
      const model = lease.model;
      const tooMany = choicesError(req.n ?? 1, model.spec.parallel);
      if (tooMany) {
        yield errorEvent(tooMany);
        return;
      }
      const plan = await this.#plan(model, req, signal);
      if ("error" in plan) {
        yield errorEvent(plan.error);
        return;
      }
      media = plan.job.media;
      let jobId: number | undefined;
      // Each choice parses its own output; tool-call ids are random, so unique across choices.
      const job = new JobEvents(
        plan.job.n ?? 1,
        () => createOutputParser({ ...plan.parser, idPrefix: req.toolCallIdPrefix }),
        req.returnPrompt ? plan.prompt : undefined,
      );
      const events = new EventQueue<GenerateEvent>(() => {
        if (!job.finished && jobId !== undefined) model.client.cancel(jobId);
      });
      const submitted = model.client.submit(plan.job, (update) => {
        for (const event of job.events(update)) events.push(event);
        if (job.finished) events.end();
      });
      if (typeof submitted !== "number") {
        yield errorEvent(submitted);
        return;
      }
      jobId = submitted;
      const onAbort = () => events[Symbol.asyncIterator]().return!();
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        yield* events;
      } finally {
        signal.removeEventListener("abort", onAbort);
        if (!job.finished) model.client.cancel(submitted);
      }
    } finally {
      removeMedia(media);
      lease.release();
    }
  }
}

function errorEvent(error: EngineErrorInfo): GenerateEvent {
  return { type: "error", error };
}

/** A job's n choices run side by side, one sequence each: at most --parallel of them. */
function choicesError(n: number, parallel: number): EngineErrorInfo | undefined {
  if (!Number.isInteger(n) || n < 1)
    return { kind: "invalid_request", code: "invalid_value", param: "n", message: `n must be a whole number of at least 1, not ${n}` };
  if (n > parallel)
    return {
      kind: "invalid_request",
      code: "invalid_value",
      param: "n",
      message: `n is ${n}, but this model decodes at most ${parallel} sequences at once: ask for at most ${parallel} choices or start the server with a larger --parallel`,
    };
  return undefined;
}
