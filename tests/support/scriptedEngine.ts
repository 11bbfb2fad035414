// An Engine that replays fixed GenerateEvents: tests of a protocol layer use it instead of the
// real engine (which has its own end-to-end tests).
import type { Engine, EngineErrorInfo, GenerateEvent, GenerateRequest, ModelInfo, Usage } from "../../core/index.ts";

export const usage: Usage = {
  promptTokens: 5,
  cachedPromptTokens: 0,
  completionTokens: 2,
  reasoningTokens: 0,
  tokensPerSecond: 12.345,
  promptMs: 3,
  generationMs: 160,
};

export const HELLO: GenerateEvent[] = [
  { type: "start", promptTokens: 5, prompt: "<user>Hi" },
  { type: "text", text: "Hel" },
  { type: "text", text: "lo" },
  { type: "done", finishReason: "eos", usage },
];

/** Replays a fixed event list per request and records what the route did with it. */
export class ScriptedEngine implements Engine {
  requests: GenerateRequest[] = [];
  signals: AbortSignal[] = [];
  /** The iterator's return() ran (the real engine cancels the sequence there). */
  closed = false;
  /** Events yielded so far. */
  yielded = 0;

  constructor(
    private readonly script: GenerateEvent[] | ((req: GenerateRequest) => GenerateEvent[]) = HELLO,
    private readonly opts: { delayMs?: number; throwAfter?: number } = {},
  ) {}

  listModels(): ModelInfo[] {
    return [
      { id: "test-model", created: 1700000000, ownedBy: "bunllama", status: "loaded", aliases: ["default"] },
      { id: "org/other", created: 1700000001, ownedBy: "bunllama", status: "unloaded", aliases: [] },
    ];
  }

  resolveModel(name: string): string | undefined {
    if (name === "default") return "test-model";
    return this.listModels().find((m) => m.id === name)?.id;
  }

  async loadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    const model = this.listModels().find((m) => m.id === id);
    return model ? { ...model, status: "loaded" } : { error: { kind: "not_found", code: "model_not_found", message: `model '${id}' does not exist` } };
  }

  async unloadModel(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    const model = this.listModels().find((m) => m.id === id);
    return model ? { ...model, status: "unloaded" } : { error: { kind: "not_found", code: "model_not_found", message: `model '${id}' does not exist` } };
  }

  /** Counts whitespace-separated words of every message: enough to test the routes' shaping. */
  async countTokens(req: GenerateRequest): Promise<number> {
    this.requests.push(req);
    return req.messages.reduce((n, m) => n + m.content.map((p) => p.text).join(" ").split(/\s+/).filter(Boolean).length, 0);
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    this.requests.push(req);
    this.signals.push(signal);
    const events = typeof this.script === "function" ? this.script(req) : this.script;
    try {
      for (const ev of events) {
        if (this.opts.throwAfter === this.yielded) throw new Error("runner exploded at /secret/path");
        if (this.opts.delayMs) await Bun.sleep(this.opts.delayMs);
        this.yielded++;
        yield ev;
      }
    } finally {
      this.closed = true;
    }
  }
}


/**
 * Events of a request with n = texts.length choices (each text non-empty), as the engine
 * interleaves them: one character per choice in turn; each choice ends ("choice_done", stop)
 * once its text is out, and "done" follows the last with the prompt counted once and the
 * choices' tokens (one per character) summed.
 */
export function choicesScript(texts: string[], promptTokens = 5): GenerateEvent[] {
  const events: GenerateEvent[] = [{ type: "start", promptTokens }];
  const choiceUsage = (text: string): Usage => ({ ...usage, promptTokens, completionTokens: text.length });
  for (let at = 0; at < Math.max(...texts.map((t) => t.length)); at++) {
    texts.forEach((text, choice) => {
      if (at < text.length) events.push({ type: "text", text: text[at]!, choice });
      if (at === text.length - 1) events.push({ type: "choice_done", choice, finishReason: "eos", usage: choiceUsage(text) });
    });
  }
  const completionTokens = texts.reduce((n, t) => n + t.length, 0);
  events.push({ type: "done", finishReason: "eos", usage: { ...usage, promptTokens, completionTokens } });
  return events;
}
