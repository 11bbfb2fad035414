// Compares our server with llama-server on one model, one server at a time, over plain fetch
// against /v1/chat/completions (streaming). Prints a table: ours, llama-server, ratio.
//
//   bun bench/bench.ts --model PATH --llama-server PATH [--threads N] [--ctx-size N]
//                      [--parallel N] [--max-tokens N] [--runs N] [--ttft-runs N] [--concurrent-runs N]
//                      [--rounds N] [--phases main,16,conversation,restart] [--modes pinned,defaults]
//                      [--many-streams N] [--many-ctx-size N] [--many-runs N]
//                      [--conv-ctx-size N] [--conv-turns N] [--conv-runs N] [--conv-max-tokens N]
//                      [--patience SECONDS] [--json FILE] [--only ours|llama]
//
// Each round runs every phase (phases.ts); a phase starts both servers with the phase's flags
// and measures them alternately, one at a time (which goes first flips from one measurement to
// the next), then stops them; medians are taken over all rounds.
// Measurements taken while other processes load the machine are retried.
//
// Exit codes: 0 when both servers ran and answered well-formed streams (whatever the ratios),
// 1 when a server failed to start or a response was malformed, 2 on bad usage.
//
// The parts: options.ts (flags), servers.ts (start/stop), stream.ts (one request),
// load.ts (other processes' load, retries), measure.ts (throughput, short TTFT),
// conversation.ts and systemPrompt.ts (the growing conversation), restart.ts (--cache-dir),
// phases.ts (which server flags and measurements a phase has), report.ts (table).
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BenchError } from "./errors.ts";
import { emptyMeasurements, type Measurements } from "./measurements.ts";
import { parseArgs } from "./options.ts";
import { setPatience } from "./load.ts";
import { runPhase } from "./phases.ts";
import { report } from "./report.ts";
import { killServersOnSignals, stopAllServers, type ServerName } from "./servers.ts";

killServersOnSignals();

async function main(): Promise<number> {
  const started = performance.now();
  const options = parseArgs(process.argv.slice(2));
  setPatience(options.patience * 1000);
  if (!(await Bun.file(options.model).exists())) throw new BenchError(`model not found: ${options.model}`);
  if (options.only !== "ours" && !(await Bun.file(options.llamaServer).exists())) {
    throw new BenchError(`llama-server not found at ${options.llamaServer} (build it: TARGETS=llama-server bash llama.cpp/build.sh)`);
  }
  const logDir = mkdtempSync(join(tmpdir(), "bunllama-bench-"));
  console.error(
    `model ${options.model}\nthreads ${options.threads}, phases ${options.phases.join(",")}, sampling ${options.modes.join(",")}, ` +
      `rounds ${options.rounds}; main: -np ${options.parallel} -c ${options.ctxSize}, max_tokens ${options.maxTokens} (single stream ${options.singleTokens}), ` +
      `${options.runs} single, ${options.concurrentRuns} concurrent per mode, ${options.ttftRuns} ttft; ` +
      `${options.manyStreams}: -c ${options.manyCtxSize}, ${options.manyRuns} per mode; ` +
      `conversation: -c ${options.convCtxSize}, ${options.convRuns} per round of ${options.convTurns} turns of ${options.convMaxTokens} tokens; ` +
      `load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; logs in ${logDir}`,
  );
  const names: ServerName[] = options.only === "ours" ? ["ours"] : options.only === "llama" ? ["llama-server"] : ["llama-server", "ours"];
  const results: Partial<Record<ServerName, Measurements>> = {};
  for (const name of names) results[name] = emptyMeasurements();
  for (let round = 0; round < options.rounds; round++) {
    for (const phase of options.phases) await runPhase(phase, names, options, logDir, round, results);
  }
  report(options, results);
  console.error(`bench took ${((performance.now() - started) / 60_000).toFixed(1)} minutes`);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  await stopAllServers();
  const e = error as Error;
  console.error(`bench failed: ${error instanceof BenchError ? e.message : `${e?.name}: ${e?.message}\n${e?.stack ?? ""}`}`);
  process.exitCode = 1;
}
