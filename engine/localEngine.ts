// The Engine behind every protocol: resolves the model, renders its chat template, and runs
// the job on that model's runner, turning runner updates into GenerateEvents.
import { ChatTemplate, promptNeedsBos } from "../chat/template.ts";
import { FALLBACK_STOP } from "../chat/fallback.ts";
import { templateWantsNineCharIds, withNineCharToolCallIds } from "../chat/toolCallIds.ts";
import { createOutputParser, detectFamily, promptOpensReasoning, type Family } from "../chat/parsers/index.ts";
import { outputConstraint } from "./constraints.ts";
import { EventQueue } from "./eventQueue.ts";
import { OutputPipeline } from "./output.ts";
import type { JobUpdate, RunnerOptions } from "./protocol.ts";
import { RunnerClient } from "./runnerClient.ts";
import type { Engine, EngineErrorInfo, GenerateEvent, GenerateRequest, ModelInfo } from "./types.ts";

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
  /** Tool-call and reasoning format of the model's template. */
  family: Family;
  created: number;
}

export class LocalEngine implements Engine {
  readonly #models: LoadedModel[];
  readonly #byName = new Map<string, LoadedModel>();

  constructor(configs: ModelConfig[], options: { queueSize: number; log: (line: string) => void }) {
    this.#models = configs.map((config) => ({
      config,
      created: Math.floor(Date.now() / 1000),
      family: "none" as Family,
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
        model.family = model.template.isFallback ? "none" : detectFamily(model.template.source);
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
      path: model.config.runner.modelPath,
      ready: model.client.ready,
    }));
  }

  /** Requests running or queued across every model. */
  pendingRequests(): number {
    return this.#models.reduce((sum, model) => sum + model.client.inFlight, 0);
  }

  hasModel(name: string): boolean {
    return this.#byName.has(name);
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const model = this.#byName.get(req.model);
    if (!model?.template) {
      yield errorEvent({ status: 404, code: "model_not_found", param: "model", message: `model '${req.model}' does not exist` });
      return;
    }
    const tools = req.toolChoice === "none" ? [] : (req.tools ?? []);
    let prompt: string;
    try {
      const messages = templateWantsNineCharIds(model.template.source) ? withNineCharToolCallIds(req.messages) : req.messages;
      prompt = model.template.render(messages, {
        // Several templates (gpt-oss) concatenate the description unguarded.
        tools: tools.map((tool) => ({ type: "function", function: { ...tool, description: tool.description ?? "" } })),
        extra: {
          enable_thinking: req.reasoning?.enabled ?? true,
          reasoning_effort: req.reasoning?.effort ?? "medium",
        },
      });
    } catch (error) {
      const hint = "; if the template cannot be rendered here, start the server with --chat-template-file pointing to a fixed copy";
      yield errorEvent({ status: 400, code: "chat_template_error", param: "messages", message: (error as Error).message + hint });
      return;
    }
    const template = model.template;
    const stop = template.isFallback ? [...req.stop, FALLBACK_STOP] : req.stop;

    let finished = false;
    let jobId: number | undefined;
    // gpt-oss speaks in channels even without tools; other families only matter with tools,
    // and a template with no known tool format gets the generic JSON envelope.
    const toolFamily: Family = model.family === "none" ? "generic" : model.family;
    const family: Family = tools.length > 0 ? toolFamily : model.family === "gpt-oss" ? "gpt-oss" : "none";
    const thinkingForcedOpen = promptOpensReasoning(prompt);
    const constraint = outputConstraint(req, tools, { family, templateSource: template.source, thinkingForcedOpen });
    if ("error" in constraint) {
      yield errorEvent(constraint.error);
      return;
    }
    const output = new OutputPipeline(createOutputParser({ family, reasoning: "auto", tools, thinkingForcedOpen }));
    const events = new EventQueue<GenerateEvent>(() => {
      if (!finished && jobId !== undefined) model.client.cancel(jobId);
    });
    const submitted = model.client.submit(
      {
        prompt,
        addSpecial: promptNeedsBos(prompt, template.bosToken, template.addBos),
        sampling: constraint.grammar ? { ...req.sampling, grammar: constraint.grammar, grammarTriggers: constraint.triggers } : req.sampling,
        maxTokens: req.maxTokens,
        stop,
        topLogprobs: req.topLogprobs,
        renderSpecial: family !== "none",
      },
      (update) => {
        for (const event of toEvents(update, output, req.returnPrompt ? prompt : undefined)) events.push(event);
        if (update.type === "done" || update.type === "error") {
          finished = true;
          events.end();
        }
      },
    );
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
      if (!finished) model.client.cancel(submitted);
    }
  }
}

function errorEvent(error: EngineErrorInfo): GenerateEvent {
  return { type: "error", error };
}

function toEvents(update: JobUpdate, output: OutputPipeline, prompt: string | undefined): GenerateEvent[] {
  switch (update.type) {
    case "start":
      return [{ type: "start", promptTokens: update.promptTokens, prompt }];
    case "text":
      return output.text(update);
    case "error":
      return [{ type: "error", error: update.error }];
    case "done":
      return [
        ...output.finish(),
        {
          type: "done",
          finishReason: output.finishReason(update.finishReason),
          usage: {
            promptTokens: update.promptTokens,
            completionTokens: update.completionTokens,
            reasoningTokens: output.reasoningTokens,
            promptMs: update.promptMs,
            generationMs: update.generationMs,
            tokensPerSecond: update.generationMs > 0 ? (update.completionTokens * 1000) / update.generationMs : 0,
          },
        },
      ];
  }
}
