// What the phases gather for one server, over all rounds.
import type { Sampling } from "./stream.ts";

/** Throughput samples of one sampling mode. */
export interface ThroughputSamples {
  singleTps: number[];
  /** Decode tokens/s the server reported for the single-stream requests. */
  serverTps: number[];
  /** Per `streams` count (--parallel in the main phase, --many-streams in the "16" phase). */
  concurrent: Record<number, ConcurrentSamples>;
}

export interface ConcurrentSamples {
  /** Total completion tokens over wall time, per run. */
  tps: number[];
  /** Per run: ms until every stream had its first token. */
  promptMs: number[];
  /** Per run: the streams' server-reported decode rates, summed. */
  serverTps: number[];
}

/** One conversation: per turn, in order. */
export interface ConversationSamples {
  ttftMs: number[];
  promptTokens: number[];
  cachedTokens: (number | undefined)[];
}

export interface Measurements {
  modes: Partial<Record<Sampling, ThroughputSamples>>;
  /** Short-prompt time to first token (pinned sampling, no prompt cache). */
  ttftMs: number[];
  conversations: ConversationSamples[];
  /** Ours: turn 2 sent to a fresh server that has only its --cache-dir. */
  restarts: { ttftMs: number; promptTokens: number; cachedTokens?: number }[];
  /** Other processes' CPU load during each measurement, cores. */
  otherLoad: number[];
  /** CPU this server used while another answered a conversation turn, ms per turn: work left
   *  running after an answer (threads polling, caches written) slows whoever comes next. */
  idleCpuMs: number[];
  promptTokens: number;
  ttftPromptTokens: number;
  /** Requests that ended before their max_tokens (the comparison is then unfair). */
  shortAnswers: number;
  maxGapMs: number;
  /** Measurements kept although the machine was busy (retries and patience ran out). */
  busySamples: number;
  /** The start of an answer per sampling mode, to show what the model produced. */
  sample: Partial<Record<Sampling, string>>;
}

export const emptyMeasurements = (): Measurements => ({
  modes: {},
  ttftMs: [],
  conversations: [],
  restarts: [],
  otherLoad: [],
  idleCpuMs: [],
  promptTokens: 0,
  ttftPromptTokens: 0,
  shortAnswers: 0,
  maxGapMs: 0,
  busySamples: 0,
  sample: {},
});

export function modeSamples(m: Measurements, mode: Sampling): ThroughputSamples {
  return (m.modes[mode] ??= { singleTps: [], serverTps: [], concurrent: {} });
}

export function concurrentSamples(m: Measurements, mode: Sampling, streams: number): ConcurrentSamples {
  return (modeSamples(m, mode).concurrent[streams] ??= { tps: [], promptMs: [], serverTps: [] });
}
