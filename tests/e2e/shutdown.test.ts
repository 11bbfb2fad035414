// SIGTERM on a real server process: it stops accepting, lets a request in flight finish within
// the grace period, ends a stream that outlasts it with the protocol's error event, exits 0 and
// leaves no socket folder behind.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STORIES_260K } from "../support/models.ts";
import { spawnServer } from "../support/serverProcess.ts";

function startServer(args: string[]) {
  const dataDir = join(tmpdir(), `bunllama-shutdown-${crypto.randomUUID().slice(0, 8)}`);
  return spawnServer(["-m", STORIES_260K, "-np", "2", "-c", "8192", "--data-dir", dataDir, ...args], "pipe");
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function streamAndTerm(grace: number, maxTokens: number) {
  const { child, url } = await startServer(["--shutdown-timeout", String(grace)]);
  const stderr = new Response(child.stderr).text();
  const stream = await post(url, {
    model: "stories260K",
    messages: [{ role: "user", content: "Once upon a time" }],
    stream: true,
    max_tokens: maxTokens,
    ignore_eos: true,
  });
  const reader = stream.body!.getReader();
  await reader.read(); // the stream is running
  const started = performance.now();
  child.kill("SIGTERM");
  const decoder = new TextDecoder();
  let body = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) body += decoder.decode(chunk.value);
  const exitCode = await child.exited;
  return { child, url, body, exitCode, log: await stderr, seconds: (performance.now() - started) / 1000 };
}

test("SIGTERM with no grace left: the stream ends with OpenAI's error frame, not a silent cut; exit 0; sockets gone", async () => {
  const run = await streamAndTerm(0, 4000);
  expect(run.exitCode).toBe(0);
  expect(run.body).toContain('"code":"server_shutting_down"');
  expect(run.log).toContain("SIGTERM: not accepting new connections");
  expect(run.log).toContain("shutdown: ending 1 requests still running");
  expect(await fetch(`${run.url}/health`).then(() => "answered", () => "refused")).toBe("refused");
  expect(existsSync(join(tmpdir(), `bunllama-sockets-${run.child.pid}`))).toBe(false);
}, 60_000);

test("SIGTERM within the grace period: the stream in flight finishes whole, then the server exits", async () => {
  const run = await streamAndTerm(30, 300);
  expect(run.exitCode).toBe(0);
  expect(run.body).toContain('"finish_reason":"length"');
  expect(run.body).toContain("data: [DONE]");
  expect(run.body).not.toContain("server_shutting_down");
  expect(run.seconds).toBeLessThan(30);
}, 60_000);
