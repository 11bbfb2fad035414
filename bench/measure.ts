// Throughput and short-prompt latency on one running server: warm-up, single-stream decode,
// N concurrent streams, and time to first token, each taken through load.ts's sample (retried
// when the machine is busy). Prompt caching is off for all of these (cache_prompt: false).
import { BenchError } from "./errors.ts";
import { sample } from "./load.ts";
import { concurrentSamples, modeSamples, type Measurements } from "./measurements.ts";
import { fmt } from "./report.ts";
import type { Server } from "./servers.ts";
import { simpleMessages, streamChat, type Sampling, type StreamResult } from "./stream.ts";

// Each request's prompt differs (a request number up front) so that no prompt cache can help,
// while keeping the same length in tokens for every request.
const LONG_PROMPT = (n: number) =>
  `Request ${String(n).padStart(3, "0")}. Write a long story about a lighthouse keeper who finds a message in a bottle. ` +
  "Describe the sea, the weather and the keeper's daily routine in detail.";
const SHORT_PROMPT = (n: number) => `Hi ${String(n).padStart(3, "0")}`;

/** One server start's request counter: numbered from 0 on every start, so both servers see the
 *  same prompts. */
export class Session {
  requestNo = 0;
  constructor(
    readonly server: Server,
    readonly m: Measurements,
    readonly maxTokens: number,
  ) {}

  long(sampling: Sampling, maxTokens = this.maxTokens): Promise<StreamResult> {
    return streamChat(this.server, { messages: simpleMessages(LONG_PROMPT(this.requestNo++)), maxTokens, sampling, cachePrompt: false });
  }

  short(maxTokens: number): Promise<StreamResult> {
    return streamChat(this.server, { messages: simpleMessages(SHORT_PROMPT(this.requestNo++)), maxTokens, sampling: "pinned", cachePrompt: false });
  }
}

/** Counts an answer shorter than asked for (and says so) and keeps the longest chunk gap. */
export function checkAnswer(server: Server, m: Measurements, r: StreamResult, expected: number, what: string): void {
  m.maxGapMs = Math.max(m.maxGapMs, r.maxGapMs);
  if (r.completionTokens !== expected) {
    m.shortAnswers++;
    console.error(
      `  WARNING ${server.name} ${what}: ${r.completionTokens} completion tokens instead of ${expected} ` +
        `(finish_reason ${r.finishReason}): the comparison is unfair`,
    );
  }
}

/** One full request per sampling mode: the first decode allocates buffers, pages the weights in. */
export async function warmUp(s: Session, modes: Sampling[]): Promise<void> {
  for (const mode of modes) {
    const r = await sample(s.server.proc.pid, undefined, () => s.long(mode), () => {});
    checkAnswer(s.server, s.m, r, s.maxTokens, `warm-up (${mode})`);
    s.m.promptTokens = r.promptTokens;
    s.m.sample[mode] = r.text.slice(0, 40);
  }
}

/** One stream at a time: decode tokens/s between the first content chunk and the finish chunk. */
export async function singleStream(s: Session, mode: Sampling, tokens: number, label: string): Promise<void> {
  await sample(
    s.server.proc.pid,
    s.m,
    async () => {
      const r = await s.long(mode, tokens);
      if (r.contentChunks < 2 || r.decodeMs <= 0) throw new BenchError(`${s.server.name}: a single content chunk: cannot time decoding`);
      return r;
    },
    (r, load) => {
      checkAnswer(s.server, s.m, r, tokens, `single stream (${mode})`);
      // Tokens after the first content chunk, over the time until the finishing chunk.
      const tps = ((r.completionTokens - r.firstChunkTokens) * 1000) / r.decodeMs;
      const samples = modeSamples(s.m, mode);
      samples.singleTps.push(tps);
      if (r.serverTps !== undefined) samples.serverTps.push(r.serverTps);
      console.error(
        `  ${label}: ${tps.toFixed(2)} tok/s (server says ${fmt(r.serverTps, 2)}; ttft ${r.ttftMs.toFixed(0)} ms, ` +
          `${r.completionTokens} tokens, ${r.contentChunks} chunks, max gap ${r.maxGapMs.toFixed(0)} ms; ${load})`,
      );
    },
  );
}

/** `streams` requests at once: total completion tokens over the wall time until the last ends. */
export async function concurrentStreams(s: Session, mode: Sampling, streams: number, label: string): Promise<void> {
  await sample(
    s.server.proc.pid,
    s.m,
    async () => {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: streams }, () => s.long(mode)));
      return { results, wall: performance.now() - started };
    },
    ({ results, wall }, load) => {
      for (const r of results) checkAnswer(s.server, s.m, r, s.maxTokens, `${streams} concurrent (${mode})`);
      const tokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
      const tps = (tokens * 1000) / wall;
      const samples = concurrentSamples(s.m, mode, streams);
      samples.tps.push(tps);
      const gap = Math.max(...results.map((r) => r.maxGapMs));
      // When every stream had its first token (prompts done), and the decode rate after that.
      samples.promptMs.push(Math.max(...results.map((r) => r.ttftMs)));
      const perStream = results.map((r) => r.serverTps).filter((x): x is number => x !== undefined);
      if (perStream.length === results.length) samples.serverTps.push(perStream.reduce((a, b) => a + b, 0));
      const firsts = results.map((r) => r.ttftMs).sort((a, b) => a - b);
      const shown = firsts.length > 6 ? [firsts[0]!, firsts[firsts.length >> 1]!, firsts.at(-1)!] : firsts;
      console.error(
        `  ${label}: ${tps.toFixed(2)} tok/s total (${tokens} tokens in ${(wall / 1000).toFixed(2)} s; ` +
          `first tokens at ${shown.map((t) => t.toFixed(0)).join("/")} ms${firsts.length > 6 ? " (first/median/last)" : ""}; ` +
          `server says ${fmt(perStream.length === results.length ? samples.serverTps.at(-1) : undefined, 2)} tok/s summed; ` +
          `max gap ${gap.toFixed(0)} ms; ${load})`,
      );
    },
  );
}

/**
 * Time to first token for a short prompt on an idle server. It is measured right after an
 * unmeasured request on the same server: a request that followed the other server's (the two
 * run side by side here) took 20-30 ms longer on both, ours by more, a cost of this set-up, not
 * of serving; a server in use has just served its own request.
 */
export async function shortTtft(s: Session): Promise<void> {
  await sample(
    s.server.proc.pid,
    s.m,
    async () => {
      await s.short(4);
      return s.short(4);
    },
    (r, load) => {
      s.m.ttftPromptTokens = r.promptTokens;
      s.m.ttftMs.push(r.ttftMs);
      console.error(`  ttft: ${r.ttftMs.toFixed(0)} ms (${r.promptTokens} prompt tokens; ${load})`);
    },
  );
}
