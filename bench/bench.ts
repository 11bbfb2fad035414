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
import type { Subprocess } from "bun";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

interface Options {
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

function parseArgs(argv: string[]): Options {
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

class BenchError extends Error {}

// ---------------------------------------------------------------- servers

interface Server {
  name: string;
  url: string;
  modelId: string;
  proc: Subprocess;
  logPath: string;
}

let current: Server | undefined;

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

async function startServer(name: string, cmd: string[], port: number, modelId: string, logDir: string): Promise<Server> {
  const logPath = join(logDir, `${name}.log`);
  // One descriptor for both streams, so their lines interleave instead of overwriting each other.
  const fd = openSync(logPath, "w");
  let proc: Subprocess;
  try {
    proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: fd, stderr: fd });
  } finally {
    closeSync(fd);
  }
  const server: Server = { name, url: `http://127.0.0.1:${port}`, modelId, proc, logPath };
  current = server;
  const started = performance.now();
  const deadline = started + 180_000;
  while (performance.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new BenchError(`${name} exited (${proc.signalCode ?? `code ${proc.exitCode}`}) before it was ready; log:\n${await tail(logPath)}`);
    }
    try {
      const res = await fetch(`${server.url}/health`, { headers: { connection: "close" }, signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        console.error(`  ${name} ready in ${((performance.now() - started) / 1000).toFixed(1)} s (pid ${proc.pid}, log ${logPath})`);
        return server;
      }
      await res.arrayBuffer();
    } catch {
      // not listening yet
    }
    await Bun.sleep(250);
  }
  throw new BenchError(`${name} did not answer /health with 200 within 180 s; log:\n${await tail(logPath)}`);
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  const { proc } = server;
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!exited) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
  if (current === server) current = undefined;
}

async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await Bun.file(path).text()).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    const proc = current?.proc;
    if (proc && proc.exitCode === null) proc.kill("SIGKILL");
    process.exit(130);
  });
}

// ---------------------------------------------------------------- one streamed request

interface StreamResult {
  /** ms from sending the request to the first chunk carrying content. */
  ttftMs: number;
  /** ms from the first content chunk to the chunk carrying finish_reason (sent as soon as the
   *  last token is sampled; a server may hold back the last tokens' text until then, as
   *  llama-server did here, so the last content chunk is not the end of decoding). */
  decodeMs: number;
  /** Estimated tokens carried by the first content chunk (at least 1): a server may hold text
   *  back (partial UTF-8, whitespace), so it can carry several. */
  firstChunkTokens: number;
  /** ms from sending the request to the end of the stream. */
  totalMs: number;
  contentChunks: number;
  /** Longest pause between two content chunks, ms: a stall shows here. */
  maxGapMs: number;
  promptTokens: number;
  completionTokens: number;
  /** Decode speed the server itself reports (ours: usage.tokens_per_second, llama-server:
   *  timings.predicted_per_second), to tell engine time from transport time. */
  serverTps?: number;
  finishReason: string;
  text: string;
}

function requestBody(modelId: string, prompt: string, maxTokens: number) {
  return {
    model: modelId,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: prompt },
    ],
    stream: true,
    stream_options: { include_usage: true },
    // Every sampling parameter pinned: the two servers' defaults differ (llama-server's
    // repeat_penalty is 1.0, ours 1.1), and the same chain must run on both.
    temperature: 0,
    top_k: 40,
    top_p: 0.9,
    min_p: 0,
    repeat_penalty: 1.1,
    repeat_last_n: 64,
    seed: 42,
    max_tokens: maxTokens,
    // llama-server reuses a slot's KV cache across requests by default; our server has no
    // prompt cache yet, so compare like with like. Our server ignores the field.
    cache_prompt: false,
  };
}

async function streamChat(server: Server, prompt: string, maxTokens: number): Promise<StreamResult> {
  const body = JSON.stringify(requestBody(server.modelId, prompt, maxTokens));
  const sent = performance.now();
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    // A fresh connection per request: a pooled keep-alive connection that the server closes
    // while idle (cpp-httplib after 5 s) would otherwise fail the next request with ECONNRESET.
    headers: { "content-type": "application/json", connection: "close" },
    keepalive: false,
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (res.status !== 200 || !res.body) {
    throw new BenchError(`${server.name}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    throw new BenchError(`${server.name}: expected text/event-stream, got ${res.headers.get("content-type")}`);
  }
  const decoder = new TextDecoder();
  let buffer = "";
  let firstAt = 0;
  let lastAt = 0;
  let chunks = 0;
  let maxGap = 0;
  let text = "";
  let firstLength = 0;
  let finishAt = 0;
  let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  let finishReason = "";
  let serverTps: number | undefined;
  let sawDone = false;

  const handleData = (data: string, at: number) => {
    if (data === "[DONE]") {
      sawDone = true;
      return;
    }
    let frame: any;
    try {
      frame = JSON.parse(data);
    } catch {
      throw new BenchError(`${server.name}: malformed SSE frame: ${data.slice(0, 200)}`);
    }
    if (frame.error) throw new BenchError(`${server.name}: error frame: ${JSON.stringify(frame.error)}`);
    if (frame.object !== "chat.completion.chunk" || !Array.isArray(frame.choices)) {
      throw new BenchError(`${server.name}: not a chat.completion.chunk: ${data.slice(0, 200)}`);
    }
    if (frame.usage) usage = frame.usage;
    if (typeof frame.usage?.tokens_per_second === "number") serverTps = frame.usage.tokens_per_second;
    if (typeof frame.timings?.predicted_per_second === "number") serverTps = frame.timings.predicted_per_second;
    const choice = frame.choices[0];
    if (!choice) return;
    if (choice.finish_reason) {
      finishReason = choice.finish_reason;
      finishAt = at;
    }
    const content = choice.delta?.content;
    if (typeof content === "string" && content.length > 0) {
      if (chunks === 0) {
        firstAt = at;
        firstLength = content.length;
      } else maxGap = Math.max(maxGap, at - lastAt);
      lastAt = at;
      chunks++;
      text += content;
    }
  };

  for await (const bytes of res.body) {
    const at = performance.now();
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (line.startsWith("data:")) handleData(line.slice(5).trim(), at);
      }
    }
  }
  const done = performance.now();
  if (buffer.trim().length > 0) throw new BenchError(`${server.name}: stream ended inside a frame: ${buffer.slice(0, 200)}`);
  if (!sawDone) throw new BenchError(`${server.name}: stream ended without data: [DONE]`);
  if (!usage || typeof usage.completion_tokens !== "number" || typeof usage.prompt_tokens !== "number") {
    throw new BenchError(`${server.name}: no usage in the final chunk`);
  }
  if (chunks === 0) throw new BenchError(`${server.name}: no content chunks (finish_reason ${finishReason})`);
  return {
    ttftMs: firstAt - sent,
    decodeMs: (finishAt || lastAt) - firstAt,
    // The output of these random-weight models is one token repeated: text is proportional.
    firstChunkTokens: Math.max(1, Math.round((usage.completion_tokens * firstLength) / text.length)),
    totalMs: done - sent,
    contentChunks: chunks,
    maxGapMs: maxGap,
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    serverTps,
    finishReason,
    text,
  };
}

// ---------------------------------------------------------------- CPU accounting

// The machine is shared: to tell a slow server from a busy machine, each measurement reports
// the CPU (in cores) that processes other than the server's tree and this script used.
const TICKS_PER_SECOND = 100;

function machineBusyTicks(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
}

function treeTicks(roots: number[]): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(f[1]));
      ticks.set(Number(entry), Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) if (roots.includes(p)) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, t] of ticks) if (inTree(pid)) sum += t;
  return sum;
}

/** Starts a CPU window; the returned function gives other processes' load, in cores. */
function cpuWindow(serverPid: number): () => number {
  const roots = [serverPid, process.pid];
  const m0 = machineBusyTicks();
  const t0 = treeTicks(roots);
  const start = performance.now();
  return () => {
    const seconds = (performance.now() - start) / 1000;
    const other = machineBusyTicks() - m0 - (treeTicks(roots) - t0);
    return Math.max(0, other / TICKS_PER_SECOND / seconds);
  };
}

// ---------------------------------------------------------------- measurements

interface Measurements {
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

const emptyMeasurements = (): Measurements => ({
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

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

let requestNo = 0;

/** A request normally takes a few seconds; one this slow means a starved machine (or a hang). */
const REQUEST_TIMEOUT_MS = 60_000;

/** Other processes' load above which a measurement is thrown away and taken again. */
const BUSY_CORES = 0.25;
const RETRIES = 2;

/** Extra time the whole run may spend waiting for a quiet machine and retrying; afterwards
 *  measurements are kept as they come (and flagged), so the run stays a few minutes long. */
let patienceMs = 90_000;

/** Waits (up to 15 s, within the patience left) for a second in which other processes use less
 *  than a sixth of a core. */
async function waitForQuiet(pid: number): Promise<void> {
  const maxMs = Math.min(15_000, patienceMs);
  const started = performance.now();
  let load = 0;
  while (performance.now() - started < maxMs) {
    const window = cpuWindow(pid);
    await Bun.sleep(1000);
    load = window();
    if (load < 0.15) break;
  }
  const waited = performance.now() - started;
  patienceMs = Math.max(0, patienceMs - Math.max(0, waited - 1000));
  if (waited > 1500) console.error(`  (waited ${(waited / 1000).toFixed(0)} s for a quiet machine; other load now ${load.toFixed(2)} cores)`);
}

/** Runs one measurement; takes it again (at most RETRIES times) when the machine was busy. */
async function sample<T>(pid: number, m: Measurements | undefined, run: () => Promise<T>, report: (value: T, load: string) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await waitForQuiet(pid);
    const window = cpuWindow(pid);
    const started = performance.now();
    let value: T;
    try {
      value = await run();
    } catch (error) {
      if ((error as Error)?.name !== "TimeoutError") throw error;
      const load = window();
      const message = `a request took over ${REQUEST_TIMEOUT_MS / 1000} s (other processes used ${load.toFixed(2)} cores meanwhile)`;
      if (attempt < RETRIES && patienceMs > 0 && load > BUSY_CORES) {
        patienceMs = Math.max(0, patienceMs - (performance.now() - started));
        console.error(`  (discarded: ${message}; again)`);
        continue;
      }
      throw new BenchError(`${message}: ${load > BUSY_CORES ? "the machine is too busy to measure" : "the server seems stuck"}`);
    }
    const load = window();
    const busy = load > BUSY_CORES;
    if (busy && attempt < RETRIES && patienceMs > 0) {
      patienceMs = Math.max(0, patienceMs - (performance.now() - started));
      console.error(`  (discarded: other processes used ${load.toFixed(2)} cores meanwhile; again)`);
      continue;
    }
    if (m) {
      m.otherLoad.push(load);
      if (busy) m.busySamples++;
    }
    report(value, `other load ${load.toFixed(2)} cores${busy ? " (busy machine: kept after retries)" : ""}`);
    return value;
  }
}

async function measure(server: Server, options: Options, m: Measurements): Promise<void> {
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

// ---------------------------------------------------------------- main

type ServerName = "llama-server" | "ours";

async function runOne(name: ServerName, options: Options, logDir: string, m: Measurements): Promise<void> {
  const port = await freePort();
  const modelId = basename(options.model).replace(/\.gguf$/i, "");
  const common = [
    "--port", String(port),
    "--host", "127.0.0.1",
    "-np", String(options.parallel),
    "-c", String(options.ctxSize),
    "-b", String(options.batchSize),
    "-t", String(options.threads),
    "-tb", String(options.threads),
  ];
  const cmd =
    name === "llama-server"
      ? [
          options.llamaServer, "-m", options.model, "--alias", modelId, ...common,
          // No host-memory prompt cache (ours has none); the per-slot cache is off per request.
          "--cache-ram", "0",
          // Explicit -np already means one KV buffer per slot; say so, as ours does.
          "--no-kv-unified",
          "--no-webui",
        ]
      : [process.execPath, "run", join(ROOT, "server.ts"), "--model", options.model, ...common];
  console.error(`\n== ${name}: ${cmd.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`);
  let server: Server | undefined;
  try {
    server = await startServer(name, cmd, port, modelId, logDir);
    await measure(server, options, m);
  } finally {
    await stopServer(server ?? current);
  }
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
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
      requestNo = 0;
      await runOne(name, options, logDir, (results[name] ??= emptyMeasurements()));
    }
  }

  const ref = results["llama-server"];
  const ours = results.ours;
  const rows: { metric: string; ref?: number; ours?: number; digits: number; target: string; lowerIsBetter?: boolean }[] = [
    { metric: "single-stream decode (tok/s, median)", ref: median(ref?.singleTps ?? []), ours: median(ours?.singleTps ?? []), digits: 2, target: ">= 0.95" },
    { metric: "  (server-reported decode, tok/s, median)", ref: median(ref?.serverTps ?? []), ours: median(ours?.serverTps ?? []), digits: 2, target: "info" },
    { metric: `${options.parallel} concurrent streams, total (tok/s, median)`, ref: median(ref?.concurrentTps ?? []), ours: median(ours?.concurrentTps ?? []), digits: 2, target: ">= 0.95" },
    { metric: `  (all ${options.parallel} first tokens after, ms, median)`, ref: median(ref?.concurrentPromptMs ?? []), ours: median(ours?.concurrentPromptMs ?? []), digits: 0, target: "info" },
    { metric: "  (server-reported decode, summed, median)", ref: median(ref?.concurrentServerTps ?? []), ours: median(ours?.concurrentServerTps ?? []), digits: 2, target: "info" },
    { metric: "TTFT, short prompt (ms, median)", ref: median(ref?.ttftMs ?? []), ours: median(ours?.ttftMs ?? []), digits: 0, target: "<= 1.05", lowerIsBetter: true },
  ];
  const header = ["metric", "llama-server", "ours", "ratio", "target"];
  const table = rows.map((r) => {
    const ratio = r.ref && r.ours ? r.ours / r.ref : undefined;
    const ok = ratio === undefined || r.target === "info" ? "" : (r.lowerIsBetter ? ratio <= 1.05 : ratio >= 0.95) ? " ok" : " MISS";
    return [r.metric, fmt(r.ref, r.digits), fmt(r.ours, r.digits), fmt(ratio, 3), r.target + ok];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log("");
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of table) console.log(line(row));
  console.log("");
  console.log(
    `prompt tokens: long ${ref?.promptTokens ?? "-"} (llama-server) / ${ours?.promptTokens ?? "-"} (ours), ` +
      `short ${ref?.ttftPromptTokens ?? "-"} / ${ours?.ttftPromptTokens ?? "-"}; ` +
      `longest pause between chunks: ${fmt(ref?.maxGapMs, 0)} / ${fmt(ours?.maxGapMs, 0)} ms; ` +
      `other processes' load, max: ${fmt(ref && Math.max(...ref.otherLoad), 2)} / ${fmt(ours && Math.max(...ours.otherLoad), 2)} cores`,
  );
  console.log(`sample output: ${JSON.stringify(ref?.sample ?? "")} / ${JSON.stringify(ours?.sample ?? "")}`);
  const unfair = [ref, ours].some((m) => m?.completionTokens.some((n) => n !== options.maxTokens));
  const busy = (ref?.busySamples ?? 0) + (ours?.busySamples ?? 0);
  if (busy > 0) {
    console.log(
      `WARNING: ${busy} measurement(s) ran while other processes used more than ${BUSY_CORES} cores ` +
        `(llama-server ${ref?.busySamples ?? 0}, ours ${ours?.busySamples ?? 0}): rerun on a quieter machine`,
    );
  }
  if (unfair) console.log(`WARNING: some requests stopped before max_tokens (${options.maxTokens}): see above`);
  if (ref && ours && ref.promptTokens !== ours.promptTokens) {
    console.log("WARNING: the two servers tokenized the same messages to different prompt lengths (chat template differs)");
  }
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, results, rows }, null, 2));
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  await stopServer(current);
  const e = error as Error;
  console.error(`bench failed: ${error instanceof BenchError ? e.message : `${e?.name}: ${e?.message}\n${e?.stack ?? ""}`}`);
  process.exitCode = 1;
}
