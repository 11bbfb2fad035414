// Command-line flags of bench.ts.
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import type { Sampling } from "./stream.ts";

/** The repository root: default paths and the server's cwd are relative to it. */
export const ROOT = resolve(import.meta.dir, "..");

/** main: 1 and --parallel streams, short-prompt TTFT; 16: --many-streams streams on servers
 *  started with that many sequences; conversation: a growing chat with each server's prompt
 *  cache on; restart: ours only, a turn after a restart with --cache-dir. */
export const PHASES = ["main", "16", "conversation", "restart"] as const;
export type Phase = (typeof PHASES)[number];
export const MODES: readonly Sampling[] = ["pinned", "defaults"];

export interface Options {
  model: string;
  llamaServer: string;
  threads: number;
  ctxSize: number;
  parallel: number;
  batchSize: number;
  maxTokens: number;
  /** Tokens of a single-stream measurement: longer than max_tokens, since one stream's decode is
   *  timed over little more than a second otherwise, and this VM's stalls do not average out. */
  singleTokens: number;
  runs: number;
  ttftRuns: number;
  concurrentRuns: number;
  rounds: number;
  phases: Phase[];
  modes: Sampling[];
  /** Streams (and server sequences) of the "16" phase. */
  manyStreams: number;
  /** Its context: room for every stream's prompt and max_tokens. */
  manyCtxSize: number;
  /** Samples per sampling mode and round in the "16" phase: four, as one sample here varies by
   *  ±15% with how fast the machine's two cores run at that moment. */
  manyRuns: number;
  /** Context of the conversation and restart phases (--parallel sequences share it). */
  convCtxSize: number;
  convTurns: number;
  /** Conversations per round, each on every server in lockstep. */
  convRuns: number;
  convMaxTokens: number;
  /** Seconds the run may spend waiting for a quiet machine and retrying (0: none). */
  patience: number;
  json?: string;
  only?: "ours" | "llama";
}

const ints: Record<string, keyof Options> = {
  "--threads": "threads",
  "--ctx-size": "ctxSize",
  "--parallel": "parallel",
  "--batch-size": "batchSize",
  "--max-tokens": "maxTokens",
  "--single-tokens": "singleTokens",
  "--runs": "runs",
  "--ttft-runs": "ttftRuns",
  "--concurrent-runs": "concurrentRuns",
  "--rounds": "rounds",
  "--many-streams": "manyStreams",
  "--many-ctx-size": "manyCtxSize",
  "--many-runs": "manyRuns",
  "--conv-ctx-size": "convCtxSize",
  "--conv-turns": "convTurns",
  "--conv-runs": "convRuns",
  "--conv-max-tokens": "convMaxTokens",
};

export function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = {
    llamaServer: join(ROOT, "llama.cpp/build-reference/bin/llama-server"),
    threads: availableParallelism(),
    ctxSize: 4096,
    parallel: 4,
    batchSize: 512,
    maxTokens: 64,
    singleTokens: 192,
    runs: 3,
    ttftRuns: 10,
    concurrentRuns: 2,
    rounds: 2,
    phases: [...PHASES],
    modes: [...MODES],
    manyStreams: 16,
    manyRuns: 4,
    convCtxSize: 16384,
    convTurns: 6,
    convRuns: 3,
    convMaxTokens: 32,
    patience: 90,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) usage(`${arg} needs a value`);
    i++;
    if (arg in ints) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) usage(`${arg} expects a positive integer`);
      (options as Record<string, unknown>)[ints[arg]!] = n;
    } else if (arg === "--patience") {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) usage(`${arg} expects seconds (0 or more)`);
      options.patience = n;
    } else if (arg === "--model") options.model = value;
    else if (arg === "--llama-server") options.llamaServer = value;
    else if (arg === "--json") options.json = value;
    else if (arg === "--only" && (value === "ours" || value === "llama")) options.only = value;
    else if (arg === "--phases") options.phases = list(arg, value, PHASES);
    else if (arg === "--modes") options.modes = list(arg, value, MODES);
    else usage(`unknown argument ${arg}`);
  }
  if (!options.model) usage("--model is required");
  // 512 tokens a sequence holds the bench's prompts (about 60 tokens) and max_tokens up to 448.
  options.manyCtxSize ??= options.manyStreams! * Math.max(512, 2 ** Math.ceil(Math.log2(options.maxTokens! + 64)));
  if (options.convTurns! < 2) usage("--conv-turns must be 2 or more (turns 2 and later are measured)");
  return options as Options;
}

/** A comma-separated subset of `allowed`, kept in `allowed`'s order. */
function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const picked = value.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = picked.filter((p) => !allowed.includes(p as T));
  if (bad.length > 0 || picked.length === 0) usage(`${flag} takes a comma-separated list of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  return allowed.filter((a) => picked.includes(a));
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  console.error(
    "usage: bun bench/bench.ts --model PATH [--llama-server PATH] [--threads N] [--ctx-size N] [--parallel N] " +
      "[--max-tokens N] [--single-tokens N] [--runs N] [--ttft-runs N] [--concurrent-runs N] [--rounds N] " +
      `[--phases ${PHASES.join(",")}] [--modes ${MODES.join(",")}] ` +
      "[--many-streams N] [--many-ctx-size N] [--many-runs N] [--conv-ctx-size N] [--conv-turns N] [--conv-runs N] [--conv-max-tokens N] " +
      "[--patience SECONDS] [--json FILE] [--only ours|llama]",
  );
  process.exit(2);
}
