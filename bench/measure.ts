// The measurements on one running server: warm-up, single-stream decode, `parallel` concurrent
// streams, and time to first token, each taken through load.ts's sample (retried when busy).
import { BenchError } from "./errors.ts";
import { sample } from "./load.ts";
import type { Options } from "./options.ts";
import { fmt } from "./report.ts";
import type { Server } from "./servers.ts";
import { streamChat, type StreamResult } from "./stream.ts";

/** One server's samples, gathered over all rounds. */
export interface Measurements {
  singleTps: number[];
  /** Decode tokens/s the server reported for the single-stream requests. */
  serverTps: number[];
  concurrentTps: number[];
  /** Per concurrent run: ms until every stream had its first token. */
  concurrentPromptMs: number[];
  /** Per concurrent run: the streams' server-reported decode rates, summed. */
  concurrentServerTps: number[];
  ttftMs: number[];
  /** Other processes' CPU load during each measurement, cores. */
  otherLoad: number[];
  promptTokens: number;
  ttftPromptTokens: number;
  completionTokens: number[];
  maxGapMs: number;
  /** Measurements kept although the machine was busy (retries and patience ran out). */
  busySamples: number;
  sample: string;
}

export const emptyMeasurements = (): Measurements => ({
  singleTps: [],
  serverTps: [],
  concurrentTps: [],
  concurrentPromptMs: [],
  concurrentServerTps: [],
  ttftMs: [],
  otherLoad: [],
  promptTokens: 0,
  ttftPromptTokens: 0,
  completionTokens: [],
  maxGapMs: 0,
  busySamples: 0,
  sample: "",
});

// Each request's prompt differs (a request number up front) so that no prompt cache can help,
// while keeping the same length in tokens for every request.
const LONG_PROMPT = (n: number) =>
  `Request ${String(n).padStart(3, "0")}. Write a long story about a lighthouse keeper who finds a message in a bottle. ` +
  "Describe the sea, the weather and the keeper's daily routine in detail.";
const SHORT_PROMPT = (n: number) => `Hi ${String(n).padStart(3, "0")}`;

let requestNo = 0;

export async function measure(server: Server, options: Options, m: Measurements): Promise<void> {
  // Numbered from 0 on every server start, so both servers see the same prompts.
  requestNo = 0;
  const check = (r: StreamResult, what: string) => {
    m.completionTokens.push(r.completionTokens);
    m.maxGapMs = Math.max(m.maxGapMs, r.maxGapMs);
    if (r.completionTokens !== options.maxTokens) {
      console.error(
        `  WARNING ${server.name} ${what}: ${r.completionTokens} completion tokens instead of ${options.maxTokens} ` +
          `(finish_reason ${r.finishReason}): the comparison is unfair`,
      );
    }
  };
  const pid = server.proc.pid;

  // Warm-up: one full request (first decode allocates buffers, pages the weights in).
  const warm = await sample(pid, undefined, () => streamChat(server, LONG_PROMPT(requestNo++), options.maxTokens), () => {});
  check(warm, "warm-up");
  m.promptTokens = warm.promptTokens;
  m.sample = warm.text.slice(0, 40);

  // 1. One stream at a time: decode tokens/s between the first and last content chunk.
  for (let i = 0; i < options.runs; i++) {
    await sample(
      pid,
      m,
      async () => {
        const r = await streamChat(server, LONG_PROMPT(requestNo++), options.maxTokens);
        if (r.contentChunks < 2 || r.decodeMs <= 0) throw new BenchError(`${server.name}: a single content chunk: cannot time decoding`);
        return r;
      },
      (r, load) => {
        check(r, "single stream");
        // Tokens after the first content chunk, over the time until the finishing chunk.
        const tps = ((r.completionTokens - r.firstChunkTokens) * 1000) / r.decodeMs;
        m.singleTps.push(tps);
        if (r.serverTps !== undefined) m.serverTps.push(r.serverTps);
        console.error(
          `  single #${i + 1}: ${tps.toFixed(2)} tok/s (server says ${fmt(r.serverTps, 2)}; ttft ${r.ttftMs.toFixed(0)} ms, ` +
            `${r.completionTokens} tokens, ${r.contentChunks} chunks, max gap ${r.maxGapMs.toFixed(0)} ms; ${load})`,
        );
      },
    );
  }

  // 2. `parallel` streams at once: total completion tokens over wall time.
  for (let i = 0; i < options.concurrentRuns; i++) {
    await sample(
      pid,
      m,
      async () => {
        const started = performance.now();
        const results = await Promise.all(
          Array.from({ length: options.parallel }, () => streamChat(server, LONG_PROMPT(requestNo++), options.maxTokens)),
        );
        return { results, wall: performance.now() - started };
      },
      ({ results, wall }, load) => {
        for (const r of results) check(r, "concurrent");
        const tokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
        const tps = (tokens * 1000) / wall;
        m.concurrentTps.push(tps);
        const gap = Math.max(...results.map((r) => r.maxGapMs));
        // When every stream had its first token (prompts done), and the decode rate after that.
        const promptsDone = Math.max(...results.map((r) => r.ttftMs));
        m.concurrentPromptMs.push(promptsDone);
        const perStream = results.map((r) => r.serverTps).filter((x): x is number => x !== undefined);
        if (perStream.length === results.length) m.concurrentServerTps.push(perStream.reduce((a, b) => a + b, 0));
        console.error(
          `  ${options.parallel}x #${i + 1}: ${tps.toFixed(2)} tok/s total (${tokens} tokens in ${(wall / 1000).toFixed(2)} s; ` +
            `first tokens at ${results.map((r) => r.ttftMs).sort((a, b) => a - b).map((t) => t.toFixed(0)).join("/")} ms; server says ${fmt(m.concurrentServerTps.at(-1), 2)} tok/s summed; ` +
            `max gap ${gap.toFixed(0)} ms; ${load})`,
        );
      },
    );
  }

  // 3. Time to first token for a short prompt on an idle server.
  await sample(
    pid,
    m,
    async () => {
      const ttfts: number[] = [];
      for (let i = 0; i < options.ttftRuns; i++) {
        const r = await streamChat(server, SHORT_PROMPT(requestNo++), 4);
        m.ttftPromptTokens = r.promptTokens;
        ttfts.push(r.ttftMs);
      }
      return ttfts;
    },
    (ttfts, load) => {
      m.ttftMs.push(...ttfts);
      console.error(`  ttft: ${ttfts.map((t) => t.toFixed(0)).join(", ")} ms (${m.ttftPromptTokens} prompt tokens; ${load})`);
    },
  );
}
