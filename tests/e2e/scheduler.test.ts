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
    // The long stream cannot end on its own before the short request does (ignore_eos, ~1000 tokens).
    const controller = new AbortController();
    const response = await server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 1000, ignore_eos: true, stream: true }), {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read(); // the long stream is running
    const short = await text("The little dog", { max_tokens: 4 });
    expect(short.length).toBeGreaterThan(0);
    // Had they run one after the other, the long one would be over by now.
    expect(server.engine.pendingRequests()).toBe(1);
    controller.abort();
    await waitForIdle();
  });
});

/** Opens a stream and counts its content chunks as they arrive. */
function openStream(content: string, signal: AbortSignal) {
  let firstSeen!: () => void;
  const state = { chunks: 0, first: new Promise<void>((resolve) => (firstSeen = resolve)), done: Promise.resolve() };
  state.done = (async () => {
    try {
      const response = await server.post("/v1/chat/completions", body(content, { max_tokens: 1000, ignore_eos: true, stream: true }), { signal });
      const decoder = new TextDecoder();
      for await (const bytes of response.body!) {
        state.chunks += decoder.decode(bytes).split('"content":"').length - 1;
        if (state.chunks > 0) firstSeen();
      }
    } catch {
      // aborted
    }
  })();
  return state;
}

describe("cancellation", () => {
  test("a client that disconnects frees its sequence at once", async () => {
    const controller = new AbortController();
    const response = await server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 1000, ignore_eos: true, stream: true }), {
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    expect(server.engine.pendingRequests()).toBe(1);
    controller.abort();
    await waitForIdle();
    expect(server.engine.pendingRequests()).toBe(0);
    // Both sequences are free for new work: two new streams start side by side. Had the runner
    // kept decoding the abandoned one, the second would wait for its ~1000 tokens.
    const next = new AbortController();
    const a = openStream("The little dog", next.signal);
    const b = openStream("Lily and Ben", next.signal);
    await Promise.all([a.first, b.first]);
    expect(Math.max(a.chunks, b.chunks)).toBeLessThan(200);
    next.abort();
    await Promise.all([a.done, b.done]);
    await waitForIdle();
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
    // parallel 2 + queue 2 = 4 admitted (long streams that cannot end in the meantime); then two more are refused.
    const controller = new AbortController();
    const admitted = ["Once upon a time", "The little dog", "Lily and Ben", "One day, a bird"].map((c) => openStream(c, controller.signal));
    const end = Date.now() + 10_000;
    while (server.engine.pendingRequests() < 4 && Date.now() < end) await Bun.sleep(5);
    expect(server.engine.pendingRequests()).toBe(4);
    const refused = await Promise.all([1, 2].map(() => server.post("/v1/chat/completions", body("Once upon a time", { max_tokens: 4 }))));
    expect(refused.map((r) => r.status)).toEqual([503, 503]);
    const error = ((await refused[0]!.json()) as any).error;
    expect(error.code).toBe("server_busy");
    controller.abort();
    await Promise.all(admitted.map((s) => s.done));
    await waitForIdle();
  });
});
