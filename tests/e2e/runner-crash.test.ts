// A runner that dies while decoding (here: kill -9, as an abort inside llama.cpp would) ends only
// the requests it was serving, with a clear error; the server keeps answering, restarts it, and
// the next request succeeds. (Inputs that crash llama.cpp's tokenizer never reach the runner:
// see tokenizer-isolation.test.ts.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { RunnerClient } from "../../engine/runnerClient.ts";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let client: RunnerClient;

beforeAll(async () => {
  server = await startTestServer(STORIES_260K);
  const lease = await server.engine.registry.acquire(server.modelId);
  if ("error" in lease) throw new Error(lease.error.message);
  lease.release();
  client = lease.model.client;
});
afterAll(() => server.close());

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content }], max_tokens: 8, ...extra });

/** Resolves once the runner is back (a new process with the model loaded). */
async function restarted(oldPid: number): Promise<void> {
  while (!(client.ready && client.pid !== undefined && client.pid !== oldPid)) await Bun.sleep(10);
}

test("a stream in flight when the runner dies ends with a runner_crashed error event; the next request succeeds", async () => {
  const streaming = await ask("Once upon a time", { max_tokens: 2000, ignore_eos: true, stream: true });
  const reader = streaming.body!.getReader();
  await reader.read();
  const pid = client.pid!;
  process.kill(pid, "SIGKILL");
  let rest = "";
  const decoder = new TextDecoder();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
  expect(rest).toContain("runner_crashed");
  expect(rest).toContain("restarted");
  expect(server.logs.join("\n")).toMatch(/runner for .* stopped \(signal SIGKILL\); restarting in \d+ ms/);

  // The server itself never stopped answering.
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  const started = performance.now();
  await restarted(pid);
  console.log(`runner back ${(performance.now() - started).toFixed(0)} ms after the crash was noticed`);
  expect(client.restarts).toBe(1);
  const after = await ask("Once upon a time");
  expect(after.status).toBe(200);
  expect(((await after.json()) as any).usage.completion_tokens).toBe(8);
});

test("a request sent while the runner restarts waits for it and succeeds", async () => {
  const pid = client.pid!;
  process.kill(pid, "SIGKILL");
  // Sent before the restart: it is tokenized meanwhile and queued for the new runner.
  while (client.pid === pid) await Bun.sleep(5);
  const response = await ask("Once upon a time");
  expect(response.status).toBe(200);
  expect(((await response.json()) as any).usage.completion_tokens).toBe(8);
  expect(client.restarts).toBe(2);
  // The tokenizer process was not involved: it never restarted.
  expect(client.tokenizer.crashes).toBe(0);
});
