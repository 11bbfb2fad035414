// An Engine that feeds the Prometheus metrics from the events of every generation (tokens, time
// to first token, time per output token). It passes every event on unchanged.
import { DelegatingEngine, type Engine, type GenerateEvent, type GenerateRequest, type Usage } from "../core/index.ts";
import type { ServerMetrics } from "./registry.ts";

export class InstrumentedEngine extends DelegatingEngine {
  constructor(
    inner: Engine,
    readonly metrics: ServerMetrics,
  ) {
    super(inner);
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    // An unknown name gets no label of its own: clients must not be able to add label values.
    const model = this.inner.resolveModel(req.model) ?? "";
    return new ObservedEvents(this.inner.generate(req, signal), this.metrics, model);
  }
}

/** Output a client sees: what ends the wait measured as time to first token. */
const OUTPUT = new Set<GenerateEvent["type"]>(["text", "reasoning", "tool_call_start", "tool_call_delta"]);

/**
 * A hand-written iterator rather than an async generator: one generator level per token costs on
 * the stream's hot path (see LocalEngine.generate), and this wrapper sees every token.
 */
class ObservedEvents implements AsyncIterableIterator<GenerateEvent> {
  readonly #source: AsyncIterable<GenerateEvent>;
  readonly #metrics: ServerMetrics;
  readonly #labels: { model: string };
  readonly #startedAt = performance.now();
  #inner: AsyncIterator<GenerateEvent> | undefined;
  #firstOutputSeen = false;
  /** A "choice_done" came (n > 1): time per token was observed per choice, not on "done". */
  #choicesObserved = false;

  constructor(source: AsyncIterable<GenerateEvent>, metrics: ServerMetrics, model: string) {
    this.#source = source;
    this.#metrics = metrics;
    this.#labels = { model };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<GenerateEvent>> {
    this.#inner ??= this.#source[Symbol.asyncIterator]();
    const result = await this.#inner.next();
    if (!result.done) this.#observe(result.value);
    return result;
  }

  async return(value?: unknown): Promise<IteratorResult<GenerateEvent>> {
    const inner = this.#inner ?? this.#source[Symbol.asyncIterator]();
    return inner.return ? inner.return(value) : { done: true, value: undefined };
  }

  #observe(ev: GenerateEvent): void {
    if (!this.#firstOutputSeen && (OUTPUT.has(ev.type) || ev.type === "done")) {
      this.#firstOutputSeen = true;
      this.#metrics.timeToFirstToken.observe(this.#labels, (performance.now() - this.#startedAt) / 1000);
    }
    if (ev.type === "choice_done") {
      this.#choicesObserved = true;
      this.#observeTimePerToken(ev.usage);
    } else if (ev.type === "done") {
      if (!this.#choicesObserved) this.#observeTimePerToken(ev.usage);
      this.#countTokens(ev.usage);
    }
  }

  /** The runner's decoding time over the tokens it produced (prompt processing excluded). */
  #observeTimePerToken(usage: Usage): void {
    if (usage.completionTokens > 0) this.#metrics.timePerOutputToken.observe(this.#labels, usage.generationMs / 1000 / usage.completionTokens);
  }

  #countTokens(usage: Usage): void {
    const m = this.#metrics;
    m.promptTokens.inc(this.#labels, usage.promptTokens);
    m.cachedPromptTokens.inc(this.#labels, usage.cachedPromptTokens);
    m.completionTokens.inc(this.#labels, usage.completionTokens);
    m.reasoningTokens.inc(this.#labels, usage.reasoningTokens);
  }
}
