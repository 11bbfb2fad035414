// Starting and stopping the server under test (one at a time): command lines, port, /health
// wait, log file, and killing it when the bench is interrupted.
import type { Subprocess } from "bun";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
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

// The server running now, so that a failure or a signal can stop it.
let current: Server | undefined;

export const currentServer = (): Server | undefined => current;

export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** The same model and flags for both servers. */
export function serverCommand(name: ServerName, options: Options, port: number, modelId: string): string[] {
  const common = [
    "--port", String(port),
    "--host", "127.0.0.1",
    "-np", String(options.parallel),
    "-c", String(options.ctxSize),
    "-b", String(options.batchSize),
    "-t", String(options.threads),
    "-tb", String(options.threads),
  ];
  return name === "llama-server"
    ? [
        options.llamaServer, "-m", options.model, "--alias", modelId, ...common,
        // No host-memory prompt cache (ours has none); the per-slot cache is off per request.
        "--cache-ram", "0",
        // Explicit -np already means one KV buffer per slot; say so, as ours does.
        "--no-kv-unified",
        "--no-webui",
      ]
    : [process.execPath, "run", join(ROOT, "server.ts"), "--model", options.model, ...common];
}

export async function startServer(name: string, cmd: string[], port: number, modelId: string, logDir: string): Promise<Server> {
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
  if (current === server) current = undefined;
}

async function tail(path: string, lines = 30): Promise<string> {
  try {
    return (await Bun.file(path).text()).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** On Ctrl-C or SIGTERM, kill the running server rather than leave it behind. */
export function killServerOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      const proc = current?.proc;
      if (proc && proc.exitCode === null) proc.kill("SIGKILL");
      process.exit(130);
    });
  }
}
