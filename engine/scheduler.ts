// Continuous batching over the sequences of one context: each step decodes every generating
// sequence's last token plus as many prompt tokens as fit in the batch, then samples.
// Sequences keep their KV cache after a request: the next prompt goes to the sequence that
// shares the longest prefix with it (or gets a saved one restored) and decodes only the rest.
import { Batch } from "../ffi/batch.ts";
import type { Context } from "../ffi/context.ts";
import type { Model } from "../ffi/model.ts";
import type { MtmdContext } from "../ffi/mtmd.ts";
import type { SamplerChain } from "../ffi/sampler.ts";
import { SamplingBatch } from "../ffi/samplingBatch.ts";
import { sharedPrefix } from "./cache/prefix.ts";
import type { PromptCache } from "./cache/promptCache.ts";
import { chooseSlot, contiguousSlot, type SlotMemory } from "./cache/slotChoice.ts";
import { batchWantsFlashAttention } from "./flashAttention.ts";
import { tokenLogprob } from "./logprobs.ts";
import type { MediaPrompt } from "./mediaPrompt.ts";
import type { JobUpdate, RunnerFinishReason, RunnerJob } from "./protocol.ts";
import { ReasoningBudgetTracker } from "./reasoningBudget.ts";
import { buildSamplerChain } from "./sampling.ts";
import { StopMatcher } from "./text/stop.ts";
import { Utf8Stream } from "./text/utf8.ts";
import { tokensExceeded } from "./tokenizerLimits.ts";
import type { EngineErrorInfo, TokenLogprob } from "../core/index.ts";

type Job = RunnerJob;

interface Sequence {
  job: Job;
  seqId: number;
  /** Which of the job's choices this sequence generates. */
  choice: number;
  prompt: Int32Array;
  /** The prompt's images and audio (runs of pseudo-tokens in `prompt`); shared by the job's choices. */
  media?: MediaPrompt;
  /** Prompt tokens in the KV cache (reused from the cache or decoded). */
  processed: number;
  /** Prompt tokens that came from the prompt cache. */
  cachedTokens: number;
  /** The sampled token that the next step decodes. */
  lastToken: number;
  /** Tokens of this sequence in the KV cache once the current batch is decoded. */
  position: number;
  /** Every token sampled so far, in order (what the KV holds after the prompt). */
  output: number[];
  sampler: SamplerChain;
  utf8: Utf8Stream;
  stop: StopMatcher;
  generated: number;
  /** Completion tokens allowed: max_tokens, capped by what the sequence's context can hold. */
  limit: number;
  /** Index of this sequence's logits in the current batch, -1 when it has none. */
  logitsIndex: number;
  /** Tokens this sequence put in the current batch. */
  batched: number;
  admittedAt: number;
  firstTokenAt: number;
  reasoning?: ReasoningBudgetTracker;
  /** Tokens to feed instead of sampling (a forced close of the reasoning block). */
  forced: number[];
  /** Other choices' sequences, given a copy of this one's prompt KV before its last token. */
  copies: number[];
  /** Set on a choice waiting for that copy: the slot it copies from. */
  copyOf?: number;
}

const tagDecoder = new TextDecoder();
const EMPTY = new Int32Array(0);
/** A sequence's cache is saved out only when it would lose at least this many tokens. */
const MIN_SAVED_TOKENS = 32;
/** A saved state is restored only when it spares at least this many tokens over the sequence's own. */
const MIN_RESTORE_GAIN = 16;

interface Waiting {
  job: Job;
  prompt: Int32Array;
  media?: MediaPrompt;
  /** One per choice. */
  samplers: SamplerChain[];
}

export class Scheduler {
  readonly #model: Model;
  readonly #context: Context;
  readonly #batch: Batch;
  readonly #slots: (Sequence | undefined)[];
  readonly #sampling: SamplingBatch;
  // Per slot, the token chosen in this step (sampled together, then handled one by one), and
  // where in the sampling batch a sampled one is (-1: forced).
  readonly #nextTokens: Int32Array;
  readonly #sampledAt: Int32Array;
  /** What each sequence's KV holds while it is free. */
  readonly #memory: SlotMemory[];
  readonly #queue: Waiting[] = [];
  readonly #contextPerSequence: number;
  readonly #cache: PromptCache | undefined;
  readonly #slidingWindow: number;
  readonly #mtmd: MtmdContext | undefined;
  readonly #batchSize: number;
  /** Flash attention chosen batch by batch (engine/flashAttention.ts); its current setting. */
  readonly #flashAttentionPerBatch: boolean;
  #flashAttentionOn: boolean | undefined;
  /** Where a finished sequence's state is copied on its way to --cache-dir. */
  #diskScratch: Uint8Array | undefined;

  constructor(
    model: Model,
    context: Context,
    sequences: number,
    batchSize: number,
    cache?: PromptCache,
    mtmd?: MtmdContext,
    options: { flashAttentionPerBatch?: boolean } = {},
  ) {
    this.#model = model;
    this.#context = context;
    this.#batch = new Batch(batchSize);
    this.#slots = new Array(sequences).fill(undefined);
    this.#sampling = new SamplingBatch(sequences);
    this.#nextTokens = new Int32Array(sequences);
    this.#sampledAt = new Int32Array(sequences);
    this.#memory = Array.from({ length: sequences }, () => ({ tokens: EMPTY, lastUsed: -Infinity }));
    this.#contextPerSequence = context.sizePerSequence;
    this.#cache = cache;
    this.#slidingWindow = model.slidingWindow;
    this.#mtmd = mtmd;
    this.#batchSize = batchSize;
    this.#flashAttentionPerBatch = options.flashAttentionPerBatch ?? false;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#slots.every((s) => s === undefined);
  }

  /** Whether any sequence is processing its prompt or generating. */
  get decoding(): boolean {
    return this.#slots.some((s) => s !== undefined);
  }

  /** Validates at once, so a bad prompt is refused before it waits for a slot. The prompt comes
   *  tokenized: llama.cpp's tokenizer never sees client text on this (the decode loop's) thread. */
  submit(job: Job, media?: MediaPrompt): JobUpdate {
    const prompt = media ? media.tokens : Int32Array.from(job.tokens);
    const refuse = (error: EngineErrorInfo): JobUpdate => {
      media?.free();
      return { id: job.id, type: "error", error };
    };
    if (prompt.length === 0) return refuse({ kind: "invalid_request", code: "empty_prompt", message: "the prompt is empty", param: "messages" });
    const exceeded = tokensExceeded(prompt.length, this.#contextPerSequence);
    if (exceeded) return refuse(exceeded);
    // The last prompt token's logits start the answer: a prompt cannot end inside media.
    if (media && media.boundary(prompt.length - 1) !== prompt.length - 1)
      return refuse({ kind: "invalid_request", code: "media_at_end", message: "the prompt ends with an image or audio clip: add text after it", param: "messages" });
    const n = job.n ?? 1;
    if (n > this.#slots.length) {
      return refuse({
        kind: "invalid_request",
        code: "invalid_value",
        param: "n",
        message: `n is ${n}, but this model decodes at most ${this.#slots.length} sequences at once (--parallel)`,
      });
    }
    const samplers: SamplerChain[] = [];
    try {
      for (let choice = 0; choice < n; choice++) {
        // Each choice draws from its own seed: seed, seed+1, ...
        const seed = job.sampling.seed === undefined ? undefined : job.sampling.seed + choice;
        samplers.push(buildSamplerChain(this.#model, { ...job.sampling, seed }, media ? media.textTokens() : prompt, this.#contextPerSequence));
      }
    } catch (error) {
      for (const sampler of samplers) sampler.free();
      // A grammar llama.cpp cannot parse is refused like any other invalid request.
      return refuse({ kind: "invalid_request", code: "invalid_grammar", message: (error as Error).message });
    }
    this.#queue.push({ job, prompt, media, samplers });
    return { id: job.id, type: "start", promptTokens: prompt.length };
  }

  cancel(id: number): void {
    const queued = this.#queue.findIndex((w) => w.job.id === id);
    if (queued >= 0) {
      const waiting = this.#queue.splice(queued, 1)[0]!;
      for (const sampler of waiting.samplers) sampler.free();
      waiting.media?.free();
    }
    for (let slot = 0; slot < this.#slots.length; slot++) {
      if (this.#slots[slot]?.job.id === id) this.#release(slot);
    }
  }

  /** One decode step over every active sequence; returns what each job produced. */
  step(): JobUpdate[] {
    const updates: JobUpdate[] = [];
    this.#admit();
    this.#copyPrompts();
    this.#evalMedia(updates);
    this.#fillBatch();
    if (this.#batch.length === 0) return updates;
    this.#chooseFlashAttention();

    let status = this.#context.decode(this.#batch);
    // A unified KV buffer can fill up: free sequences give back their cached tokens first.
    if (status === 1 && this.#dropFreeCaches()) status = this.#context.decode(this.#batch);
    if (status === 1) {
      this.#failNewest(updates);
      return updates;
    }
    if (status !== 0) {
      this.#failAll(updates, `llama_decode failed with status ${status}`);
      return updates;
    }
    for (const seq of this.#slots) if (seq) this.#advance(seq);
    this.#chooseTokens();
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (seq && seq.logitsIndex >= 0) this.#sample(slot, seq, this.#nextTokens[slot]!, updates);
    }
    return updates;
  }

  /**
   * Generating sequences get their one token first, so a long prompt never starves them; prompt
   * chunks take what room is left. Tokens go into the batch in sequence order: llama.cpp splits a
   * multi-stream batch wherever the sequence ids stop increasing by one (see slotChoice.ts).
   */
  #fillBatch(): void {
    const batch = this.#batch;
    batch.clear();
    let room = this.#batchSize;
    for (const seq of this.#slots) {
      if (!seq) continue;
      seq.logitsIndex = -1;
      seq.batched = 0;
      if (seq.copyOf === undefined && seq.processed === seq.prompt.length) {
        seq.batched = 1;
        room--;
      }
    }
    for (const seq of this.#slots) {
      if (!seq || seq.copyOf !== undefined || seq.processed === seq.prompt.length || room <= 0) continue;
      // A sequence whose choices copy its prompt stops before the last token: each choice decodes that one itself.
      const end = Math.min(seq.copies.length > 0 ? seq.prompt.length - 1 : seq.prompt.length, seq.media?.textEnd(seq.processed) ?? Infinity);
      seq.batched = Math.min(room, end - seq.processed);
      room -= seq.batched;
    }
    for (const seq of this.#slots) {
      if (!seq || seq.batched === 0) continue;
      if (seq.processed === seq.prompt.length) {
        seq.logitsIndex = batch.add(seq.lastToken, seq.position, seq.seqId, true);
        continue;
      }
      const shift = seq.media ? seq.processed - seq.media.positionOf(seq.processed) : 0;
      for (let k = 0; k < seq.batched; k++) {
        const at = seq.processed + k;
        const last = at === seq.prompt.length - 1;
        const index = batch.add(seq.prompt[at]!, at - shift, seq.seqId, last);
        if (last) seq.logitsIndex = index;
      }
    }
  }

  /** Sets flash attention for the batch just filled, where the engine chooses it per batch (flashAttention.ts). */
  #chooseFlashAttention(): void {
    if (!this.#flashAttentionPerBatch) return;
    let promptTokens = 0;
    let deepestStart = 0;
    for (const seq of this.#slots) {
      if (!seq || seq.batched === 0 || seq.processed === seq.prompt.length) continue;
      promptTokens += seq.batched;
      deepestStart = Math.max(deepestStart, seq.processed);
    }
    this.#setFlashAttention(batchWantsFlashAttention(promptTokens, deepestStart));
  }

  #setFlashAttention(on: boolean): void {
    if (on === this.#flashAttentionOn) return;
    this.#context.setFlashAttention(on);
    this.#flashAttentionOn = on;
  }

  /** Moves every sequence past what the batch just decoded. */
  #advance(seq: Sequence): void {
    if (seq.batched === 0) return;
    if (seq.processed === seq.prompt.length) seq.position++;
    else {
      seq.processed += seq.batched;
      if (seq.processed === seq.prompt.length) seq.position = this.#positionOf(seq, seq.prompt.length);
    }
  }

  /** A prompt token's KV position: its index, less what media chunks before it saved (M-RoPE). */
  #positionOf(seq: { media?: MediaPrompt }, index: number): number {
    return seq.media ? seq.media.positionOf(index) : index;
  }

  /**
   * Encodes and decodes the media chunk each prompt has reached, in its place (libmtmd's helper
   * decodes it alone, for one sequence; Gemma 3's non-causal attention included). Once a prompt
   * has no media left to evaluate its chunks are freed.
   */
  #evalMedia(updates: JobUpdate[]): void {
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (!seq?.media || seq.copyOf !== undefined) continue;
      for (let span = seq.media.spanAt(seq.processed); span; span = seq.media.spanAt(seq.processed)) {
        if (this.#flashAttentionPerBatch) this.#setFlashAttention(batchWantsFlashAttention(span.length, seq.processed));
        try {
          this.#mtmd!.evalChunk(this.#context, span.chunk, {
            position: seq.media.positionOf(seq.processed),
            seqId: seq.seqId,
            batchSize: this.#batchSize,
            logitsLast: false,
          });
        } catch (error) {
          updates.push({ id: seq.job.id, type: "error", error: { kind: "internal", code: "media_eval_failed", message: (error as Error).message } });
          this.cancel(seq.job.id);
          break;
        }
        seq.processed += span.length;
      }
      if (seq.media && seq.media.textEnd(seq.processed) === seq.prompt.length) seq.media.free();
    }
  }

  /** Copies a prompt's KV (all but its last token) to the job's other choices once it is decoded. */
  #copyPrompts(): void {
    for (const seq of this.#slots) {
      if (!seq || seq.copies.length === 0 || seq.processed < seq.prompt.length - 1) continue;
      for (const slot of seq.copies) {
        const copy = this.#slots[slot]!;
        // Applied by llama.cpp at the next decode, the one that decodes every choice's last prompt token.
        if (seq.processed > 0) this.#context.copySequence(seq.seqId, copy.seqId);
        copy.processed = seq.processed;
        copy.copyOf = undefined;
      }
      seq.copies = [];
    }
  }

  #admit(): void {
    while (this.#queue.length > 0) {
      const { job, prompt, media, samplers } = this.#queue[0]!;
      const free = this.#slots.flatMap((s, slot) => (s ? [] : [slot]));
      // The oldest request goes first; one needing n sequences waits until n are free.
      if (free.length < samplers.length) return;
      this.#queue.shift();
      const reuse = job.cachePrompt !== false;
      const primary = chooseSlot(free, this.#memory, prompt, { reuse, key: job.cacheKey });
      const cached = this.#loadPrefix(primary, prompt, reuse, media);
      const others: number[] = [];
      let rest = free.filter((slot) => slot !== primary);
      for (let choice = 1; choice < samplers.length; choice++) {
        const slot = contiguousSlot(rest, this.#memory);
        rest = rest.filter((s) => s !== slot);
        this.#takeSlot(slot, 0);
        others.push(slot);
      }
      const admittedAt = performance.now();
      [primary, ...others].forEach((slot, choice) => {
        this.#slots[slot] = { ...this.#newSequence(job, prompt, slot, choice, samplers[choice]!, admittedAt), media };
      });
      const first = this.#slots[primary]!;
      first.processed = cached;
      first.copies = others;
      for (const slot of others) this.#slots[slot]!.copyOf = primary;
      for (const slot of [primary, ...others]) this.#slots[slot]!.cachedTokens = cached;
    }
  }

  #newSequence(job: Job, prompt: Int32Array, slot: number, choice: number, sampler: SamplerChain, admittedAt: number): Sequence {
    const room = this.#contextPerSequence - prompt.length;
    return {
      job,
      seqId: slot,
      choice,
      prompt,
      processed: 0,
      cachedTokens: 0,
      lastToken: -1,
      position: 0,
      output: [],
      sampler,
      utf8: new Utf8Stream(),
      stop: new StopMatcher(job.stop),
      generated: 0,
      limit: job.maxTokens === undefined ? room : Math.min(job.maxTokens, room),
      logitsIndex: -1,
      batched: 0,
      admittedAt,
      firstTokenAt: 0,
      reasoning: job.reasoningBudget && sampler.canForce ? new ReasoningBudgetTracker(job.reasoningBudget) : undefined,
      forced: [],
      copies: [],
    };
  }

  /**
   * Makes the sequence hold the longest cached prefix of the prompt that it or a saved state
   * has, and returns its length. At least the last prompt token is left to decode, so that its
   * logits exist.
   */
  #loadPrefix(slot: number, prompt: Int32Array, reuse: boolean, media?: MediaPrompt): number {
    const held = this.#memory[slot]!;
    let shared = reuse ? sharedPrefix(held.tokens, prompt) : 0;
    const stored = reuse ? this.#cache?.find(prompt) : undefined;
    if (stored && stored.shared >= shared + MIN_RESTORE_GAIN) {
      this.#takeSlot(slot, 0);
      const state = stored.load();
      if (state && this.#context.restoreSequence(slot, state)) {
        held.tokens = stored.tokens;
        shared = stored.shared;
      } else {
        this.#context.clearSequence(slot);
        shared = 0;
      }
    } else {
      this.#takeSlot(slot, shared);
    }
    // A media chunk's KV is reused whole or not at all.
    const keep = Math.min(shared, prompt.length - 1);
    return this.#trim(slot, media ? media.boundary(keep) : keep, media);
  }

  /** Before a sequence keeps only `keep` of its cached tokens, saves them out if the loss is worth it. */
  #takeSlot(slot: number, keep: number): void {
    const held = this.#memory[slot]!;
    const where = { memory: true, disk: false };
    if (held.tokens.length - keep >= MIN_SAVED_TOKENS && this.#cache?.wants(held.tokens, where)) {
      this.#cache.save(held.tokens, this.#context.saveSequence(slot), where);
    }
    if (keep === 0) {
      this.#context.clearSequence(slot);
      held.tokens = EMPTY;
    }
  }

  /** Cuts a sequence's KV to its first `keep` positions; 0 when the memory cannot (then it is cleared). */
  #trim(slot: number, keep: number, media?: MediaPrompt): number {
    // Positions, not tokens, index the KV: they differ after M-RoPE media.
    const position = this.#positionOf({ media }, keep);
    if (keep > 0 && this.#context.truncateSequence(slot, position)) {
      const { min, max } = this.#context.positions(slot);
      // A sliding-window cache may have dropped positions the next token still attends to.
      const oldestNeeded = this.#slidingWindow > 0 ? Math.max(0, position - this.#slidingWindow) : 0;
      if (max === position - 1 && min <= oldestNeeded) return keep;
    }
    this.#context.clearSequence(slot);
    return 0;
  }

  #sample(slot: number, seq: Sequence, token: number, updates: JobUpdate[]): void {
    const vocab = this.#model.vocab;
    if (seq.generated === 0) seq.firstTokenAt = performance.now();
    if (vocab.isEndOfGeneration(token)) {
      this.#finish(slot, seq, "eos", updates);
      return;
    }
    seq.generated++;
    seq.lastToken = token;
    seq.output.push(token);
    let logprobs: TokenLogprob[] | undefined;
    if (seq.job.topLogprobs !== undefined) {
      logprobs = [tokenLogprob(this.#context, vocab, seq.logitsIndex, token, seq.job.topLogprobs)];
    }
    const piece = vocab.piece(token, seq.job.renderSpecial);
    // Tags may be control tokens that the client-facing text does not render.
    if (seq.reasoning) seq.reasoning.observe(tagDecoder.decode(seq.job.renderSpecial ? piece : vocab.piece(token, true)));
    const { emit, stopped, stop } = seq.stop.push(seq.utf8.push(piece));
    // Held-back text still counts its token, so usage can attribute tokens to what they became.
    updates.push({ id: seq.job.id, type: "text", text: emit, tokens: 1, logprobs, ...this.#choiceOf(seq) });
    if (stopped) this.#finish(slot, seq, "stop_sequence", updates, false, stop);
    else if (seq.generated >= seq.limit) this.#finish(slot, seq, "max_tokens", updates);
  }

  #choiceOf(seq: Sequence): { choice?: number } {
    return (seq.job.n ?? 1) > 1 ? { choice: seq.choice } : {};
  }

  /** Every sequence's next token: a forced one (the reasoning budget spent), or sampled, all
   *  sampled sequences in one call (SamplingBatch). */
  #chooseTokens(): void {
    this.#sampledAt.fill(-1);
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (!seq || seq.logitsIndex < 0) continue;
      const forced = this.#forcedToken(seq);
      if (forced === undefined) this.#sampledAt[slot] = this.#sampling.add(seq.sampler, seq.logitsIndex);
      else this.#nextTokens[slot] = forced;
    }
    if (this.#sampling.size === 0) return;
    const sampled = this.#sampling.run(this.#context);
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const at = this.#sampledAt[slot]!;
      if (at >= 0) this.#nextTokens[slot] = sampled[at]!;
    }
  }

  /** The next forced token (accepted by the sampler), once the reasoning budget is spent. */
  #forcedToken(seq: Sequence): number | undefined {
    if (seq.reasoning?.exhausted) {
      const close = this.#model.vocab.tokenize(seq.reasoning.close(), false, true);
      seq.forced.push(...close);
    }
    const forced = seq.forced.shift();
    if (forced !== undefined) seq.sampler.acceptForced(forced);
    return forced;
  }

  #finish(slot: number, seq: Sequence, reason: RunnerFinishReason, updates: JobUpdate[], flush = true, stopSequence?: string): void {
    if (flush) {
      // A stop string completed by the last bytes still ends the turn as a stop sequence.
      const { emit, stopped, stop } = seq.stop.push(seq.utf8.flush());
      const tail = stopped ? emit : emit + seq.stop.flush();
      if (tail.length > 0) updates.push({ id: seq.job.id, type: "text", text: tail, tokens: 0, ...this.#choiceOf(seq) });
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
      cachedTokens: seq.cachedTokens,
      completionTokens: seq.generated,
      ...this.#choiceOf(seq),
      promptMs: firstTokenAt - seq.admittedAt,
      generationMs: now - firstTokenAt,
    });
    this.#release(slot);
  }

  /** A unified KV buffer is full: the newest request gives way (its KV is left as it was). */
  #failNewest(updates: JobUpdate[]): void {
    const newest = this.#slots.reduce<Sequence | undefined>((a, s) => (s && (!a || s.admittedAt > a.admittedAt) ? s : a), undefined)!;
    updates.push({
      id: newest.job.id,
      type: "error",
      error: {
        kind: "context_exceeded",
        code: "context_length_exceeded",
        message: "the shared KV cache (--kv-unified) is full with other requests; retry, or start the server with a larger --ctx-size",
      },
    });
    this.cancel(newest.job.id);
  }

  /** Frees the KV cells that free sequences keep for the cache (saving them out first). */
  #dropFreeCaches(): boolean {
    let dropped = false;
    this.#slots.forEach((seq, slot) => {
      if (seq || this.#memory[slot]!.tokens.length === 0) return;
      this.#takeSlot(slot, 0);
      dropped = true;
    });
    return dropped;
  }

  #failAll(updates: JobUpdate[], message: string): void {
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const seq = this.#slots[slot];
      if (!seq) continue;
      updates.push({ id: seq.job.id, type: "error", error: { kind: "internal", code: "decode_failed", message } });
      this.#release(slot, false);
    }
  }

  /** Frees a sequence; its KV stays as the cache of what it held, unless `keepCache` is false. */
  #release(slot: number, keepCache = true): void {
    const seq = this.#slots[slot];
    if (!seq) return;
    seq.sampler.free();
    seq.media?.free();
    this.#slots[slot] = undefined;
    const held = this.#memory[slot]!;
    held.lastUsed = performance.now();
    held.key = seq.job.cacheKey;
    if (!keepCache || seq.copyOf !== undefined) {
      this.#context.clearSequence(slot);
      held.tokens = EMPTY;
      return;
    }
    // Tokens in the KV: the prompt's decoded part, then one per position past the prompt.
    const inKv = seq.processed < seq.prompt.length ? seq.processed : seq.prompt.length + seq.position - this.#positionOf(seq, seq.prompt.length);
    const tokens = new Int32Array(inKv);
    tokens.set(seq.prompt.subarray(0, Math.min(inKv, seq.prompt.length)));
    if (inKv > seq.prompt.length) tokens.set(seq.output.slice(0, inKv - seq.prompt.length), seq.prompt.length);
    held.tokens = tokens;
    // With --cache-dir every finished conversation is written out, so a restart can pick it up.
    const where = { memory: false, disk: true };
    if (tokens.length >= MIN_SAVED_TOKENS && this.#cache?.wants(tokens, where)) {
      // Written out at once and not kept, so one buffer serves every such save.
      const state = this.#context.saveSequence(slot, this.#diskScratch);
      this.#diskScratch = new Uint8Array(state.buffer);
      this.#cache.save(tokens, state, where);
    }
  }

  dispose(): void {
    for (let slot = 0; slot < this.#slots.length; slot++) this.#release(slot, false);
    for (const waiting of this.#queue.splice(0)) {
      for (const sampler of waiting.samplers) sampler.free();
      waiting.media?.free();
    }
    this.#batch.dispose();
  }
}
