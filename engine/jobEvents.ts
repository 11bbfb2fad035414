// One job's runner updates -> GenerateEvents. A job with n choices gets one OutputPipeline per
// choice (each choice's tool calls and reasoning are parsed on their own), a "choice_done" per
// choice, and one final "done" whose usage counts the shared prompt once.
import type { OutputParser } from "../chat/parsers/types.ts";
import { OutputPipeline } from "./output.ts";
import type { JobUpdate } from "./protocol.ts";
import type { ChoiceDone, GenerateEvent, Usage } from "../core/index.ts";

type DoneUpdate = Extract<JobUpdate, { type: "done" }>;

export class JobEvents {
  readonly #outputs: OutputPipeline[];
  readonly #ended: ChoiceDone[] = [];
  /** Every choice has ended (or the job failed): no more events will come. */
  finished = false;

  /** `prompt`: echoed in the "start" event (return_prompt). */
  constructor(
    private readonly n: number,
    newParser: () => OutputParser | undefined,
    private readonly prompt?: string,
  ) {
    this.#outputs = Array.from({ length: n }, () => new OutputPipeline(newParser()));
  }

  events(update: JobUpdate): GenerateEvent[] {
    switch (update.type) {
      case "start":
        return [{ type: "start", promptTokens: update.promptTokens, prompt: this.prompt }];
      case "text":
        return this.#tag(this.#output(update.choice).text(update), update.choice);
      case "error":
        this.finished = true;
        return [{ type: "error", error: update.error }];
      case "done":
        return this.#done(update);
    }
  }

  #done(update: DoneUpdate): GenerateEvent[] {
    const choice = update.choice ?? 0;
    const output = this.#output(choice);
    const flushed = this.#tag(output.finish(update.finishReason), choice);
    const ended: ChoiceDone = {
      type: "choice_done",
      choice,
      finishReason: output.finishReason(update.finishReason),
      ...(update.stopSequence !== undefined && update.finishReason === "stop_sequence" ? { stopSequence: update.stopSequence } : {}),
      usage: {
        promptTokens: update.promptTokens,
        cachedPromptTokens: update.cachedTokens,
        completionTokens: update.completionTokens,
        reasoningTokens: output.reasoningTokens,
        promptMs: update.promptMs,
        generationMs: update.generationMs,
        tokensPerSecond: perSecond(update.completionTokens, update.generationMs),
      },
    };
    this.#ended.push(ended);
    if (this.n === 1) {
      this.finished = true;
      const { type: _, choice: __, ...done } = ended;
      return [...flushed, { type: "done", ...done }];
    }
    if (this.#ended.length < this.n) return [...flushed, ended];
    this.finished = true;
    const first = this.#ended.find((e) => e.choice === 0) ?? ended;
    return [
      ...flushed,
      ended,
      { type: "done", finishReason: first.finishReason, ...(first.stopSequence !== undefined ? { stopSequence: first.stopSequence } : {}), usage: total(this.#ended) },
    ];
  }

  #output(choice = 0): OutputPipeline {
    const output = this.#outputs[choice];
    if (!output) throw new Error(`runner update for choice ${choice} of a job with ${this.n}`);
    return output;
  }

  /** With n > 1 every content event says its choice; with n = 1 events stay as they were. */
  #tag(events: GenerateEvent[], choice = 0): GenerateEvent[] {
    return this.n === 1 ? events : events.map((e) => ({ ...e, choice }));
  }
}

/** The request's usage: the prompt once, the choices' tokens summed; they decode side by side. */
function total(ended: ChoiceDone[]): Usage {
  const sum = (key: "completionTokens" | "reasoningTokens") => ended.reduce((s, e) => s + e.usage[key], 0);
  const generationMs = Math.max(...ended.map((e) => e.usage.generationMs));
  const completionTokens = sum("completionTokens");
  return {
    promptTokens: ended[0]!.usage.promptTokens,
    cachedPromptTokens: ended[0]!.usage.cachedPromptTokens,
    completionTokens,
    reasoningTokens: sum("reasoningTokens"),
    promptMs: Math.max(...ended.map((e) => e.usage.promptMs)),
    generationMs,
    tokensPerSecond: perSecond(completionTokens, generationMs),
  };
}

const perSecond = (tokens: number, ms: number) => (ms > 0 ? (tokens * 1000) / ms : 0);
