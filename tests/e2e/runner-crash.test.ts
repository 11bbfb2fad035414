// A native abort inside llama.cpp kills only the runner: the server answers, restarts it, and
// the next request succeeds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TINYSTORIES_656K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(TINYSTORIES_656K);
});
afterAll(() => server.close());

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content }], max_tokens: 8, ...extra });

test("the request that crashes the runner gets a clear 500; the next one succeeds", async () => {
  // This vocab has no byte fallback: llama.cpp throws std::out_of_range and aborts.
  const crashed = await ask("Once {x} é");
  expect(crashed.status).toBe(500);
  const error = ((await crashed.json()) as any).error;
  expect(error.code).toBe("runner_crashed");
  expect(error.type).toBe("server_error");
  expect(error.message).toContain("restarted");
  expect(server.logs.join("\n")).toContain("out_of_range");

  const health = await fetch(`${server.url}/health`);
  expect([200, 503]).toContain(health.status);

  const next = await ask("Once upon a time");
  expect(next.status).toBe(200);
  expect(((await next.json()) as any).usage.completion_tokens).toBe(8);
});

test("a streamed request in flight when the runner dies ends with an error event", async () => {
  const streaming = await ask("Once upon a time", { max_tokens: 2000, stream: true });
  const reader = streaming.body!.getReader();
  await reader.read();
  const crash = await ask("é {x}");
  expect(crash.status).toBe(500);
  let rest = "";
  const decoder = new TextDecoder();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
  expect(rest).toContain("runner_crashed");
  const after = await ask("Once upon a time");
  expect(after.status).toBe(200);
});
