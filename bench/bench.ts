// Compares our server with llama-server on one model, one server at a time, over plain fetch
// against /v1/chat/completions (streaming). Prints a table of ratios (ours / llama-server).
//
//   bun bench/bench.ts --model PATH --llama-server PATH [--threads N] [--ctx-size N]
//                      [--parallel N] [--max-tokens N] [--runs N] [--ttft-runs N] [--concurrent-runs N]
//                      [--rounds N] [--json FILE] [--only ours|llama]
//
// Each round starts one server, measures it, stops it, then does the same for the other (the
// order flips every round: llama-server, ours, ours, llama-server, ...); medians are taken over
// all rounds. Measurements taken while other processes load the machine are retried.
//
// Exit codes: 0 when both servers ran and answered well-formed streams (whatever the ratios),
// 1 when a server failed to start or a response was malformed, 2 on bad usage.
//
// The parts: options.ts (flags), servers.ts (start/stop), stream.ts (one request),
// load.ts (other processes' load, retries), measure.ts (what is measured), report.ts (table).
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { BenchError } from "./errors.ts";
import { emptyMeasurements, measure, type Measurements } from "./measure.ts";
import { parseArgs, type Options } from "./options.ts";
import { report } from "./report.ts";
import { currentServer, freePort, killServerOnSignals, serverCommand, startServer, stopServer, type Server, type ServerName } from "./servers.ts";

killServerOnSignals();

async function runOne(name: ServerName, options: Options, logDir: string, m: Measurements): Promise<void> {
  const port = await freePort();
  const modelId = basename(options.model).replace(/\.gguf$/i, "");
  const cmd = serverCommand(name, options, port, modelId);
  console.error(`\n== ${name}: ${cmd.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`);
  let server: Server | undefined;
  try {
    server = await startServer(name, cmd, port, modelId, logDir);
    await measure(server, options, m);
  } finally {
    await stopServer(server ?? currentServer());
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (!(await Bun.file(options.model).exists())) throw new BenchError(`model not found: ${options.model}`);
  if (options.only !== "ours" && !(await Bun.file(options.llamaServer).exists())) {
    throw new BenchError(`llama-server not found at ${options.llamaServer} (build it: TARGETS=llama-server bash llama.cpp/build.sh)`);
  }
  const logDir = mkdtempSync(join(tmpdir(), "bunllama-bench-"));
  console.error(
    `model ${options.model}\nthreads ${options.threads}, ctx-size ${options.ctxSize}, parallel ${options.parallel}, ` +
      `max_tokens ${options.maxTokens}, rounds ${options.rounds} x (${options.runs} single, ${options.concurrentRuns} concurrent, ` +
      `${options.ttftRuns} ttft), load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
  );
  const names: ServerName[] = options.only === "ours" ? ["ours"] : options.only === "llama" ? ["llama-server"] : ["llama-server", "ours"];
  const results: Partial<Record<ServerName, Measurements>> = {};
  // One server at a time, never both at once. The order flips every round (A B, B A, ...): the
  // speed of this shared machine drifts by several per cent over minutes, and an ABBA order
  // cancels a steady drift instead of charging it to the server that runs second.
  for (let round = 0; round < options.rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      await runOne(name, options, logDir, (results[name] ??= emptyMeasurements()));
    }
  }
  report(options, results);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  await stopServer(currentServer());
  const e = error as Error;
  console.error(`bench failed: ${error instanceof BenchError ? e.message : `${e?.name}: ${e?.message}\n${e?.stack ?? ""}`}`);
  process.exitCode = 1;
}
