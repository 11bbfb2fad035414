// An Engine that records every generation in the usage ledger: the row is opened when the engine
// is first asked for an event (admission: a crash from then on loses only this open row), and
// finished once, when the generation ends (done, error, or the client going away). The "done"
// event it passes on carries the request's receipt.
import { DelegatingEngine, type Engine, type GenerateEvent, type GenerateRequest, type RequestCaller, type Usage } from "../core/index.ts";
import type { UsageEnd, UsageLedger } from "../store/ledger.ts";
import { creditsFor, type Price } from "./credits.ts";
import { errorStatus, CLIENT_CLOSED } from "./status.ts";

export class MeteredEngine extends DelegatingEngine {
  constructor(
    inner: Engine,
    readonly ledger: UsageLedger,
  ) {
    super(inner);
  }

  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    return new MeteredEvents(this, req, signal);
  }

  /** The model's price, looked up when the request ends (a config reload may change it). */
  priceOf(modelId: string): Price | undefined {
    return this.inner.listModels().find((m) => m.id === modelId)?.price;
  }
}

/**
 * A hand-written iterator rather than an async generator: one generator level per token costs
 * on the stream's hot path (see LocalEngine.generate), and this wrapper sees every token.
 */
class MeteredEvents implements AsyncIterableIterator<GenerateEvent> {
  readonly #engine: MeteredEngine;
  readonly #req: GenerateRequest;
  readonly #signal: AbortSignal;
  readonly #caller: RequestCaller;
  readonly #model: string;
  #inner: AsyncIterator<GenerateEvent> | undefined;
  #row: number | undefined;
  #startedAt = 0;
  #promptTokens = 0;
  /** Content events seen: the tokens so far when a stream is cut before its usage comes. */
  #contentEvents = 0;
  /** The row is finished (it is written once). */
  #ended = false;
  /** return() was called. */
  #closed = false;

  constructor(engine: MeteredEngine, req: GenerateRequest, signal: AbortSignal) {
    this.#engine = engine;
    this.#req = req;
    this.#signal = signal;
    // Protocol-layer tests send no caller: the row still gets ids of its own.
    this.#caller = req.caller ?? { requestId: `req_${crypto.randomUUID().replaceAll("-", "")}`, executionId: crypto.randomUUID(), endpoint: "unknown" };
    this.#model = engine.resolveModel(req.model) ?? req.model;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<GenerateEvent>> {
    if (this.#closed) return { done: true, value: undefined };
    if (!this.#inner) this.#open();
    let result: IteratorResult<GenerateEvent>;
    try {
      result = await this.#inner!.next();
    } catch (err) {
      this.#finish({ status: 500, ...this.#soFar(), credits: 0 });
      throw err;
    }
    if (result.done) {
      // The source stopped without "done" or "error": cut by the client, or a failure upstream.
      if (this.#signal.aborted) this.#finish({ status: CLIENT_CLOSED, ...this.#soFar() });
      else this.#finish({ status: 500, ...this.#soFar(), credits: 0 });
      return result;
    }
    const ev = result.value;
    switch (ev.type) {
      case "start":
        this.#promptTokens = ev.promptTokens;
        return result;
      case "text":
      case "reasoning":
      case "tool_call_delta":
        this.#contentEvents++;
        return result;
      case "done": {
        const credits = this.#charge(ev.usage.promptTokens, ev.usage.completionTokens);
        // Written before the client sees the end: a finished answer is always on the books.
        this.#finish({ status: 200, ...fromUsage(ev.usage), credits });
        // An inner receipt's other facts (a group's approval) are kept.
        const receipt = { ...ev.receipt, executionId: this.#caller.executionId, requestId: this.#caller.requestId, creditsCharged: credits };
        return { done: false, value: { ...ev, receipt } };
      }
      case "error":
        // A failed request is not charged; what it consumed is still recorded.
        this.#finish({ status: errorStatus(this.#caller.endpoint, ev.error), ...this.#soFar(), credits: 0 });
        return result;
      default:
        return result;
    }
  }

  /** The consumer stopped reading: before the end, that is the client going away. */
  async return(): Promise<IteratorResult<GenerateEvent>> {
    this.#closed = true;
    // Also called after a finished stream (a consumer leaving its loop): nothing is left to write then.
    if (!this.#ended) this.#finish({ status: CLIENT_CLOSED, ...this.#soFar() });
    await this.#inner?.return?.();
    return { done: true, value: undefined };
  }

  #open(): void {
    this.#startedAt = Date.now();
    this.#row = this.#engine.ledger.begin({
      requestId: this.#caller.requestId,
      executionId: this.#caller.executionId,
      tokenId: this.#caller.tokenId ?? null,
      endpoint: this.#caller.endpoint,
      model: this.#model,
      startedAt: this.#startedAt,
      mode: this.#caller.mode,
    });
    this.#inner = this.#engine.inner.generate(this.#req, this.#signal)[Symbol.asyncIterator]();
  }

  /** Tokens known when no usage came: the prompt's, and one per content event (an estimate). */
  #soFar(): Partial<UsageEnd> {
    return {
      promptTokens: this.#promptTokens,
      completionTokens: this.#contentEvents,
      credits: this.#charge(this.#promptTokens, this.#contentEvents),
    };
  }

  #charge(promptTokens: number, completionTokens: number): number {
    return creditsFor(this.#engine.priceOf(this.#model), promptTokens, completionTokens);
  }

  #finish(end: Partial<UsageEnd> & { status: number }): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#row === undefined) return;
    this.#engine.ledger.finish(this.#row, {
      promptTokens: 0,
      cachedTokens: 0,
      completionTokens: 0,
      reasoningTokens: 0,
      credits: 0,
      durationMs: Date.now() - this.#startedAt,
      ...end,
    });
  }
}

function fromUsage(u: Usage): Partial<UsageEnd> {
  return {
    promptTokens: u.promptTokens,
    cachedTokens: u.cachedPromptTokens,
    completionTokens: u.completionTokens,
    reasoningTokens: u.reasoningTokens,
  };
}
