// The Engine behind every protocol: resolves the model, renders its chat template, and runs
// the job on that model's runner, turning runner updates into GenerateEvents.
import { createOutputParser } from "../chat/parsers/index.ts";
import { ChatTemplate } from "../chat/template.ts";
import { templateTraits, type TemplateTraits } from "../chat/templateTraits.ts";
import { EventQueue } from "./eventQueue.ts";
import { planJob } from "./jobPlan.ts";
import { JobEvents } from "./jobEvents.ts";
import type { RunnerOptions } from "./protocol.ts";
import { RunnerClient } from "./runnerClient.ts";
import type { Engine, EngineErrorInfo, GenerateEvent, GenerateRequest, ModelInfo } from "../core/index.ts";

export interface ModelConfig {
  /** The id clients use. */
  id: string;
  /** Other names that reach the same model. */
  aliases: string[];
  runner: RunnerOptions;
  /** Overrides the GGUF's own chat template. */
  chatTemplate?: string;
}

interface LoadedModel {
  config: ModelConfig;
  client: RunnerClient;
  template?: ChatTemplate;
  traits?: TemplateTraits;
  created: number;
}

export class LocalEngine implements Engine {
  readonly #models: LoadedModel[];
  readonly #byName = new Map<string, LoadedModel>();

  constructor(configs: ModelConfig[], options: { queueSize: number; log: (line: string) => void }) {
    this.#models = configs.map((config) => ({
      config,
      created: Math.floor(Date.now() / 1000),
      client: new RunnerClient({ name: config.id, runner: config.runner, queueSize: options.queueSize, log: options.log }),
    }));
    for (const model of this.#models) {
      for (const name of [model.config.id, ...model.config.aliases]) this.#byName.set(name, model);
    }
  }

  /** Loads every model; rejects with the first load error. */
  async start(): Promise<void> {
    await Promise.all(
      this.#models.map(async (model) => {
        const info = await model.client.start();
        model.template = new ChatTemplate({
          template: model.config.chatTemplate ?? info.chatTemplate,
          bosToken: info.bosText,
          eosToken: info.eosText,
          addBos: info.addBos,
        });
        model.traits = templateTraits(model.template);
      }),
    );
  }

  stop(): void {
    for (const model of this.#models) model.client.stop();
  }

  listModels(): ModelInfo[] {
    return this.#models.map((model) => ({
      id: model.config.id,
      created: model.created,
      ownedBy: "local",
      ready: model.client.ready,
      contextLength: model.client.info?.contextPerSequence,
    }));
  }

  /** Requests running or queued across every model. */
  pendingRequests(): number {
    return this.#models.reduce((sum, model) => sum + model.client.inFlight, 0);
  }

  hasModel(name: string): boolean {
    return this.#byName.has(name);
  }

  countTokens(req: GenerateRequest): Promise<number | { error: EngineErrorInfo }> {
    return countPromptTokens(this.#byName.get(req.model), req);
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const model = this.#byName.get(req.model);
    if (!model?.template || !model.traits) {
      yield errorEvent({ kind: "not_found", code: "model_not_found", param: "model", message: `model '${req.model}' does not exist` });
      return;
    }
    const tooMany = choicesError(req.n ?? 1, model.config.runner.parallel);
    if (tooMany) {
      yield errorEvent(tooMany);
      return;
    }
    const plan = planJob(req, model.template, model.traits);
    if ("error" in plan) {
      yield errorEvent(plan.error);
      return;
    }
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
  }
}

/** The rendered prompt's tokens, without generating. */
export async function countPromptTokens(
  model: { client: RunnerClient; template?: ChatTemplate; traits?: TemplateTraits } | undefined,
  req: GenerateRequest,
): Promise<number | { error: EngineErrorInfo }> {
  if (!model?.template || !model.traits)
    return { error: { kind: "not_found", code: "model_not_found", param: "model", message: `model '${req.model}' does not exist` } };
  const plan = planJob(req, model.template, model.traits);
  if ("error" in plan) return { error: plan.error };
  const counted = await model.client.count(plan.prompt, plan.job.addSpecial);
  return typeof counted === "number" ? counted : { error: counted };
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
