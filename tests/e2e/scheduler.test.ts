// Continuous batching end to end: concurrency, queueing, cancellation on disconnect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const body = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "stories260K",
  messages: [{ role: "user", content }],
  temperature: 0,
  repeat_penalty: 1,
  ...extra,
});

beforeAll(async () => {
  server = await startTestServer(STORIES_260K, { parallel: 2, contextSize: 2048 }, { queueSize: 2 });
});
afterAll(() => server.close());

async function text(content: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await server.post("/v1/chat/completions", body(content, extra));
  const result = (await response.json()) as any;
  expect(result.error).toBeUndefined();
  return result.choices[0].message.content;
}

async function waitForIdle(ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (server.engine.pendingRequests() > 0 && Date.now() < end) await Bun.sleep(10);
}

describe("continuous batching", () => {
  test("requests decoded together give the same greedy text as alone", async () => {
    const prompts = ["Once upon a time", "The little dog", "Lily and Ben", "One day, a bird"];
    const alone: string[] = [];
    for (const prompt of prompts) alone.push(await text(prompt, { max_tokens: 24 }));
    // Four at once over two sequences: two decode together while two wait in the queue.
    const together = await Promise.all(prompts.map((prompt) => text(prompt, { max_tokens: 24 })));
    expect(together).toEqual(alone);
  });

  test("a new request joins while another is still generating", async () => {
    const response = await server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 300, stream: true }));
    const reader = response.body!.getReader();
    await reader.read(); // the long stream is running
    const short = await text("The little dog", { max_tokens: 4 });
    expect(short.length).toBeGreaterThan(0);
    // The short request finished while the long one was still streaming: they shared the batch.
    let rest = "";
    const decoder = new TextDecoder();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest.split('"content"').length).toBeGreaterThan(20);
    expect(rest).toContain('"finish_reason":"length"');
  });
});

describe("cancellation", () => {
  test("a client that disconnects frees its sequence at once", async () => {
    const controller = new AbortController();
    const response = await server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 1000, stream: true }), {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    expect(server.engine.pendingRequests()).toBe(1);
    controller.abort();
    await waitForIdle();
    expect(server.engine.pendingRequests()).toBe(0);
  });

  test("the openai SDK's abort cancels the generation", async () => {
    const controller = new AbortController();
    const stream = await server.openai.chat.completions.create(
      { model: "stories260K", messages: [{ role: "user", content: "Once" }], max_tokens: 1000, stream: true },
      { signal: controller.signal },
    );
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    await waitForIdle();
    expect(server.engine.pendingRequests()).toBe(0);
  });
});

describe("queue bound", () => {
  test("requests beyond parallel + queue size get 503 in the OpenAI shape", async () => {
    // parallel 2 + queue 2 = 4 admitted; the rest are refused at once.
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 60 }))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200).length).toBe(4);
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBe(2);
    const error = ((await refused[0]!.json()) as any).error;
    expect(error.code).toBe("server_busy");
    await Promise.all(responses.filter((r) => !r.bodyUsed).map((r) => r.body?.cancel()));
  });
});
