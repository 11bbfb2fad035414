// Runs the real agent CLIs (Claude Code, Codex) from node_modules against a test server, in a
// throwaway home, with their traffic recorded by a forwarding proxy on 127.0.0.1.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateModel, type ModelSpec } from "../fixtures/models.ts";
import { startTestServer, type TestServer } from "./server.ts";

export const NODE_BIN = resolve(import.meta.dir, "../../node_modules/.bin");

/** One request a CLI made, and the body it got back (SSE text or JSON text). */
export interface Exchange {
  method: string;
  path: string;
  body: unknown;
  status: number;
  response: string;
  /** From the request's arrival to the end of its response. */
  ms: number;
}

export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  stop(): void;
}

/** Forwards everything to `target` and records each exchange once its response has ended. */
export function startRecordingProxy(target: string): RecordingProxy {
  const exchanges: Exchange[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // long prompts on a slow machine: the server sends nothing for a while
    async fetch(request) {
      const started = performance.now();
      const url = new URL(request.url);
      const text = await request.text();
      const headers = new Headers(request.headers);
      headers.delete("host");
      headers.delete("accept-encoding"); // keep the recorded body readable
      const upstream = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: text || undefined,
      });
      const [toClient, toRecord] = upstream.body ? upstream.body.tee() : [null, null];
      const record = (response: string) =>
        exchanges.push({
          method: request.method,
          path: url.pathname,
          body: parseJson(text),
          status: upstream.status,
          response,
          ms: Math.round(performance.now() - started),
        });
      if (toRecord) void new Response(toRecord).text().then(record, (error) => record(`(body lost: ${error})`));
      else record("");
      const responseHeaders = new Headers(upstream.headers);
      responseHeaders.delete("content-encoding");
      responseHeaders.delete("content-length");
      return new Response(toClient, { status: upstream.status, headers: responseHeaders });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, exchanges, stop: () => server.stop(true) };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** A folder of its own for each run, e.g. a home: no user settings, sessions or credentials leak in or out. */
export function throwawayDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** HOME and TMPDIR inside `home`: what a CLI writes (sockets, daemons' files) goes with it. */
export function homeEnv(home: string): { HOME: string; TMPDIR: string } {
  const tmp = join(home, "tmp");
  mkdirSync(tmp, { recursive: true });
  return { HOME: home, TMPDIR: tmp };
}

/**
 * Only 127.0.0.1 is reachable: every other request goes to a proxy port nothing listens on,
 * so a CLI that tries to phone home fails at once instead of waiting for a timeout.
 */
export const LOOPBACK_ONLY = {
  HTTP_PROXY: "http://127.0.0.1:9",
  HTTPS_PROXY: "http://127.0.0.1:9",
  ALL_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost",
};

export interface CliRun {
  exitCode: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a CLI with exactly `env` (plus PATH), no stdin, killed after `timeoutMs`. */
export async function runCli(command: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CliRun> {
  const child = Bun.spawn(command, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { exitCode, timedOut, stdout, stderr };
}

/** What a failed assertion should show: how the CLI ended, its output, and what it sent. */
export function describeRun(run: CliRun, exchanges: Exchange[]): string {
  const requests = exchanges.map((e) => `${e.method} ${e.path} -> ${e.status} in ${e.ms} ms: ${e.response.slice(0, 600)}`).join("\n");
  return [
    `exit ${run.exitCode}${run.timedOut ? " (killed at the timeout)" : ""}`,
    `stdout:\n${run.stdout.slice(-3000)}`,
    `stderr:\n${run.stderr.slice(-3000)}`,
    `exchanges:\n${requests}`,
  ].join("\n");
}

/** SSE frames of a recorded body: `event` (if any) and the parsed `data`. */
export function sseEvents(body: string): { event?: string; data: any }[] {
  return body
    .split(/\r?\n\r?\n/)
    .map((frame) => {
      const lines = frame.split(/\r?\n/);
      const event = lines.find((line) => line.startsWith("event:"))?.slice(6).trim();
      const data = lines
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      return { event, data };
    })
    .filter((frame) => frame.data && frame.data !== "[DONE]")
    .map((frame) => ({ event: frame.event, data: JSON.parse(frame.data) }));
}

/** A real server on a generated model with a recording proxy in front of it. */
export interface Agent {
  server: TestServer;
  proxy: RecordingProxy;
}

/** Room for an agent's own prompt (Claude Code's is about 15k tokens, Codex's about 10k). */
const AGENT_CONTEXT = { contextSize: 65_536 };

export async function startAgent(spec: ModelSpec): Promise<Agent> {
  const server = await startTestServer(await generateModel(spec), AGENT_CONTEXT);
  return { server, proxy: startRecordingProxy(server.url) };
}
