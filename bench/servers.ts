// Starting and stopping the servers under test: command lines, port, /health wait, log file,
// and killing them when the bench is interrupted.
import type { Subprocess } from "bun";
import { closeSync, openSync } from "node:fs";
import { basename, join } from "node:path";
import { BenchError } from "./errors.ts";
import { ROOT, type Options } from "./options.ts";

export type ServerName = "llama-server" | "ours";

export interface Server {
  name: string;
  url: string;
  modelId: string;
  proc: Subprocess;
  logPath: string;
}

// The servers running now, so that a failure or a signal can stop them.
const running = new Set<Server>();

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** What a phase needs of a server: sequences, context, and whether its prompt cache is on. */
export interface ServerSetup {
  parallel: number;
  ctxSize: number;
  /** false: no host-memory prompt cache (requests also send cache_prompt: false), so every
   *  prompt is processed in full; true: each server's defaults. */
  promptCache: boolean;
  /** Ours only: --cache-dir, where prompt-cache entries survive a restart. */
  cacheDir?: string;
}

/** The same model and flags for both servers. */
export function serverCommand(name: ServerName, options: Options, port: number, modelId: string, setup: ServerSetup): string[] {
  const common = [
    "--port", String(port),
    "--host", "127.0.0.1",
    "-np", String(setup.parallel),
    "-c", String(setup.ctxSize),
    "-b", String(options.batchSize),
    "-t", String(options.threads),
    "-tb", String(options.threads),
  ];
  if (name === "llama-server") {
    return [
      options.llamaServer, "-m", options.model, "--alias", modelId, ...common,
      // No host-memory prompt cache when measuring throughput; otherwise its default (8192 MiB).
      ...(setup.promptCache ? [] : ["--cache-ram", "0"]),
      // Explicit -np already means one KV buffer per slot; say so, as ours does.
      "--no-kv-unified",
      "--no-webui",
    ];
  }
  return [
    process.execPath, "run", join(ROOT, "server.ts"), "--model", options.model, ...common,
    ...(setup.promptCache ? [] : ["--cache-ram", "0"]),
    ...(setup.cacheDir ? ["--cache-dir", setup.cacheDir] : []),
  ];
}

/** Starts `cmd` and waits for /health; its output goes to `logPath` (one file per start). */
export async function startServer(name: string, cmd: string[], port: number, modelId: string, logPath: string): Promise<Server> {
  // One descriptor for both streams, so their lines interleave instead of overwriting each other.
  const fd = openSync(logPath, "w");
  let proc: Subprocess;
  try {
    proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: fd, stderr: fd });
  } finally {
    closeSync(fd);
  }
  const server: Server = { name, url: `http://127.0.0.1:${port}`, modelId, proc, logPath };
  running.add(server);
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

export async function stopServer(server: Server | undefined): Promise<void> {
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
  running.delete(server);
}

async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await Bun.file(path).text()).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export async function stopAllServers(): Promise<void> {
  for (const server of [...running]) await stopServer(server);
}

/** On Ctrl-C or SIGTERM, kill the running servers rather than leave them behind. */
export function killServersOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      for (const { proc } of running) if (proc.exitCode === null) proc.kill("SIGKILL");
      process.exit(130);
    });
  }
}

/** Picks a port, prints the command line, starts the server; the log is `<logDir>/<label>.log`. */
export async function launch(name: ServerName, options: Options, setup: ServerSetup, logDir: string, label: string): Promise<Server> {
  const port = await freePort();
  const modelId = basename(options.model).replace(/\.gguf$/i, "");
  const cmd = serverCommand(name, options, port, modelId, setup);
  console.error(`\n== ${label}: ${cmd.map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}`);
  return startServer(name, cmd, port, modelId, join(logDir, `${label}.log`));
}
