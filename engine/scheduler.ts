// Continuous batching over the sequences of one context: each step decodes every generating
// sequence's last token plus as many prompt tokens as fit in the batch, then samples.
import { Batch } from "../ffi/batch.ts";
import type { Context } from "../ffi/context.ts";
import type { Model } from "../ffi/model.ts";
import type { SamplerChain } from "../ffi/sampler.ts";
import { tokenLogprob } from "./logprobs.ts";
import type { Job, JobUpdate, RunnerFinishReason } from "./protocol.ts";
import { ReasoningBudgetTracker } from "./reasoningBudget.ts";
import { buildSamplerChain } from "./sampling.ts";
import { StopMatcher } from "./text/stop.ts";
import { Utf8Stream } from "./text/utf8.ts";
import type { TokenLogprob } from "../core/index.ts";

interface Sequence {
  job: Job;
  seqId: number;
  prompt: Int32Array;
  /** Prompt tokens already decoded into the KV cache. */
  processed: number;
  /** The sampled token that the next step decodes. */
  lastToken: number;
  /** Tokens of this sequence in the KV cache once the current batch is decoded. */
  position: number;
  sampler: SamplerChain;
  utf8: Utf8Stream;
  stop: StopMatcher;
  generated: number;
  /** Completion tokens allowed: max_tokens, capped by what the sequence's context can hold. */
  limit: number;
  /** Index of this sequence's logits in the current batch, -1 when it has none. */
  logitsIndex: number;
  admittedAt: number;
  firstTokenAt: number;
  reasoning?: ReasoningBudgetTracker;
  /** Tokens to feed instead of sampling (a forced close of the reasoning block). */
  forced: number[];
}

const tagDecoder = new TextDecoder();

interface Waiting {
  job: Job;
  prompt: Int32Array;
  sampler: SamplerChain;
}

export class Scheduler {
  readonly #model: Model;
  readonly #context: Context;
  readonly #batch: Batch;
  readonly #slots: (Sequence | undefined)[];
  readonly #queue: Waiting[] = [];
  readonly #contextPerSequence: number;

  constructor(model: Model, context: Context, sequences: number, batchSize: number) {
    this.#model = model;
    this.#context = context;
    this.#batch = new Batch(batchSize);
    this.#slots = new Array(sequences).fill(undefined);
    this.#contextPerSequence = context.sizePerSequence;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#slots.every((s) => s === undefined);
  }

  /** Tokenizes and validates at once, so a bad prompt is refused before it waits for a slot. */
  submit(job: Job): JobUpdate {
    const prompt = this.#model.vocab.tokenize(job.prompt, job.addSpecial, true);
    if (prompt.length === 0) {
      return { id: job.id, type: "error", error: { kind: "invalid_request", code: "empty_prompt", message: "the prompt is empty", param: "messages" } };
    }
    if (prompt.length >= this.#contextPerSequence) {
      return {
        id: job.id,
        type: "error",
        error: {
          kind: "context_exceeded",
          code: "context_length_exceeded",
          param: "messages",
          message:
            `the prompt is ${prompt.length} tokens, but this model's context holds ${this.#contextPerSequence} ` +
            `tokens per request (leaving room for at least one generated token): shorten the messages or start the server with a larger --ctx-size`,
        },
      };
    }
    let sampler: SamplerChain;
    try {
      sampler = buildSamplerChain(this.#model, job.sampling, prompt);
    } catch (error) {
      // A grammar llama.cpp cannot parse is refused like any other invalid request.
      return { id: job.id, type: "error", error: { kind: "invalid_request", code: "invalid_grammar", message: (error as Error).message } };
    }
    this.#queue.push({ job, prompt, sampler });
    return { id: job.id, type: "start", promptTokens: prompt.length };
  }

  count(id: number, prompt: string, addSpecial: boolean): JobUpdate {
    return { id, type: "count", tokens: this.#model.vocab.tokenize(prompt, addSpecial, true).length };
  }

  cancel(id: number): void {
    const queued = this.#queue.findIndex((w) => w.job.id === id);
    if (queued >= 0) this.#queue.splice(queued, 1)[0]!.sampler.free();
    const slot = this.#slots.findIndex((s) => s?.job.id === id);
    if (slot >= 0) this.#release(slot);
  }

  /** One decode step over every active sequence; returns what each job produced. */
  step(): JobUpdate[] {
    const updates: JobUpdate[] = [];
    this.#admit();
    const batch = this.#batch;
    batch.clear();

    // Generating sequences first: one token each, so a long prompt never starves them.
    for (const seq of this.#slots) {
      if (!seq) continue;
      seq.logitsIndex = -1;
      if (seq.processed === seq.prompt.length) {
        seq.logitsIndex = batch.add(seq.lastToken, seq.position++, seq.seqId, true);
      }
    }
    // Then prompt chunks, in slot order, as far as the batch has room.
    for (const seq of this.#slots) {
      if (!seq || seq.processed === seq.prompt.length || batch.free === 0) continue;
      const take = Math.min(batch.free, seq.prompt.length - seq.processed);
      for (let k = 0; k < take; k++) {
        const pos = seq.processed + k;
        const last = pos === seq.prompt.length - 1;
        const index = batch.add(seq.prompt[pos]!, pos, seq.seqId, last);
        if (last) seq.logitsIndex = index;
      }
      seq.processed += take;
      if (seq.processed === seq.prompt.length) seq.position = seq.prompt.length;
    }
    if (batch.length === 0) return updates;

    const status = this.#context.decode(batch);
    if (status !== 0) {
      this.#failAll(updates, `llama_decode failed with status ${status}`);
      return updates;
    }
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (seq && seq.logitsIndex >= 0) this.#sample(slot, seq, updates);
    }
    return updates;
  }

  #admit(): void {
    for (let slot = 0; slot < this.#slots.length && this.#queue.length > 0; slot++) {
      if (this.#slots[slot]) continue;
      const { job, prompt, sampler } = this.#queue.shift()!;
      const room = this.#contextPerSequence - prompt.length;
      this.#context.clearSequence(slot);
      this.#slots[slot] = {
        job,
        seqId: slot,
        prompt,
        processed: 0,
        lastToken: -1,
        position: 0,
        sampler,
        utf8: new Utf8Stream(),
        stop: new StopMatcher(job.stop),
        generated: 0,
        limit: job.maxTokens === undefined ? room : Math.min(job.maxTokens, room),
        logitsIndex: -1,
        admittedAt: performance.now(),
        firstTokenAt: 0,
        reasoning: job.reasoningBudget && sampler.canForce ? new ReasoningBudgetTracker(job.reasoningBudget) : undefined,
        forced: [],
      };
    }
  }

  #sample(slot: number, seq: Sequence, updates: JobUpdate[]): void {
    const vocab = this.#model.vocab;
    const token = this.#nextToken(seq);
    if (seq.generated === 0) seq.firstTokenAt = performance.now();
    if (vocab.isEndOfGeneration(token)) {
      this.#finish(slot, seq, "eos", updates);
      return;
    }
    seq.generated++;
    seq.lastToken = token;
    let logprobs: TokenLogprob[] | undefined;
    if (seq.job.topLogprobs !== undefined) {
      logprobs = [tokenLogprob(this.#context, vocab, seq.logitsIndex, token, seq.job.topLogprobs)];
    }
    const piece = vocab.piece(token, seq.job.renderSpecial);
    // Tags may be control tokens that the client-facing text does not render.
    if (seq.reasoning) seq.reasoning.observe(tagDecoder.decode(seq.job.renderSpecial ? piece : vocab.piece(token, true)));
    const { emit, stopped, stop } = seq.stop.push(seq.utf8.push(piece));
    // Held-back text still counts its token, so usage can attribute tokens to what they became.
    updates.push({ id: seq.job.id, type: "text", text: emit, tokens: 1, logprobs });
    if (stopped) this.#finish(slot, seq, "stop_sequence", updates, false, stop);
    else if (seq.generated >= seq.limit) this.#finish(slot, seq, "max_tokens", updates);
  }

  /** The sampled token, or the next forced one once the reasoning budget is spent. */
  #nextToken(seq: Sequence): number {
    if (seq.reasoning?.exhausted) {
      const close = this.#model.vocab.tokenize(seq.reasoning.close(), false, true);
      seq.forced.push(...close);
    }
    const forced = seq.forced.shift();
    if (forced === undefined) return seq.sampler.sample(this.#context, seq.logitsIndex);
    seq.sampler.acceptForced(forced);
    return forced;
  }

  #finish(slot: number, seq: Sequence, reason: RunnerFinishReason, updates: JobUpdate[], flush = true, stopSequence?: string): void {
    if (flush) {
      // A stop string completed by the last bytes still ends the turn as a stop sequence.
      const { emit, stopped, stop } = seq.stop.push(seq.utf8.flush());
      const tail = stopped ? emit : emit + seq.stop.flush();
      if (tail.length > 0) updates.push({ id: seq.job.id, type: "text", text: tail, tokens: 0 });
      if (stopped) [reason, stopSequence] = ["stop_sequence", stop];
    }
    const now = performance.now();
    const firstTokenAt = seq.firstTokenAt || now;
    updates.push({
      id: seq.job.id,
      type: "done",
      finishReason: reason,
      stopSequence,
      promptTokens: seq.prompt.length,
      cachedTokens: 0,
      completionTokens: seq.generated,
      promptMs: firstTokenAt - seq.admittedAt,
      generationMs: now - firstTokenAt,
    });
    this.#release(slot);
  }

  #failAll(updates: JobUpdate[], message: string): void {
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (!seq) continue;
      updates.push({ id: seq.job.id, type: "error", error: { kind: "internal", code: "decode_failed", message } });
      this.#release(slot);
    }
  }

  #release(slot: number): void {
    const seq = this.#slots[slot];
    if (!seq) return;
    seq.sampler.free();
    this.#context.clearSequence(slot);
    this.#slots[slot] = undefined;
  }

  dispose(): void {
    for (let slot = 0; slot < this.#slots.length; slot++) this.#release(slot);
    for (const waiting of this.#queue.splice(0)) waiting.sampler.free();
    this.#batch.dispose();
  }
}
