// Command-line flags of bench.ts.
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";

/** The repository root: default paths and the server's cwd are relative to it. */
export const ROOT = resolve(import.meta.dir, "..");

export interface Options {
  model: string;
  llamaServer: string;
  threads: number;
  ctxSize: number;
  parallel: number;
  batchSize: number;
  maxTokens: number;
  runs: number;
  ttftRuns: number;
  concurrentRuns: number;
  rounds: number;
  json?: string;
  only?: "ours" | "llama";
}

export function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = {
    llamaServer: join(ROOT, "llama.cpp/build/bin/llama-server"),
    threads: availableParallelism(),
    ctxSize: 4096,
    parallel: 4,
    batchSize: 512,
    maxTokens: 64,
    runs: 3,
    ttftRuns: 5,
    concurrentRuns: 3,
    rounds: 2,
  };
  const ints: Record<string, keyof Options> = {
    "--threads": "threads",
    "--ctx-size": "ctxSize",
    "--parallel": "parallel",
    "--batch-size": "batchSize",
    "--max-tokens": "maxTokens",
    "--runs": "runs",
    "--ttft-runs": "ttftRuns",
    "--concurrent-runs": "concurrentRuns",
    "--rounds": "rounds",
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
    } else if (arg === "--model") options.model = value;
    else if (arg === "--llama-server") options.llamaServer = value;
    else if (arg === "--json") options.json = value;
    else if (arg === "--only" && (value === "ours" || value === "llama")) options.only = value;
    else usage(`unknown argument ${arg}`);
  }
  if (!options.model) usage("--model is required");
  return options as Options;
}

function usage(message: string): never {
  console.error(`bench: ${message}`);
  console.error(
    "usage: bun bench/bench.ts --model PATH [--llama-server PATH] [--threads N] [--ctx-size N] [--parallel N] " +
      "[--max-tokens N] [--runs N] [--ttft-runs N] [--concurrent-runs N] [--rounds N] [--json FILE] [--only ours|llama]",
  );
  process.exit(2);
}
