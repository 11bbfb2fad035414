// Prompts are tokenized in a process of their own per model: an input that crashes llama.cpp's
// tokenizer fails only its request (and is refused at once when repeated), and a slow
// tokenization never stalls the streams decoding on the same model.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunnerClient } from "../../engine/runnerClient.ts";
import { STORIES_260K, TINYSTORIES_656K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// This vocab has no byte fallback: llama.cpp throws std::out_of_range and aborts the process.
const CRASH_INPUT = "Once {x} é";

async function clientOf(server: TestServer): Promise<RunnerClient> {
  const lease = await server.engine.registry.acquire(server.modelId);
  if ("error" in lease) throw new Error(lease.error.message);
  lease.release();
  return lease.model.client;
}

const chat = (server: TestServer, content: string, extra: Record<string, unknown> = {}, init?: RequestInit) =>
  server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content }], max_tokens: 16, ...extra }, init);

/** A stream whose chunks are timed as they arrive. */
async function openStream(server: TestServer, extra: Record<string, unknown>, signal?: AbortSignal) {
  const response = await chat(server, "Once upon a time", { stream: true, ...extra }, { signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const arrivals: number[] = [];
  let text = decoder.decode((await reader.read()).value);
  arrivals.push(performance.now());
  const rest = (async () => {
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        arrivals.push(performance.now());
        text += decoder.decode(chunk.value);
      }
    } catch {
      // Aborted by the test.
    }
    return text;
  })();
  return { arrivals, rest };
}

describe("a prompt that crashes the tokenizer", () => {
  let server: TestServer;
  let client: RunnerClient;

  beforeAll(async () => {
    server = await startTestServer(TINYSTORIES_656K, { parallel: 4, contextSize: 4096 });
    client = await clientOf(server);
  });
  afterAll(() => server.close());

  test("answers 400 while the streams in flight on the same model all complete; the runner never restarts", async () => {
    const runnerPid = client.pid;
    const streams = await Promise.all([0, 1, 2].map(() => openStream(server, { max_tokens: 48 })));
    // Interleaved with normal requests: every one of those succeeds.
    const [crashed, ...normal] = await Promise.all([
      chat(server, CRASH_INPUT),
      chat(server, "Once upon a time"),
      chat(server, "The little dog"),
    ]);
    expect(crashed.status).toBe(400);
    const error = ((await crashed.json()) as any).error;
    expect(error).toMatchObject({ code: "tokenization_failed", type: "invalid_request_error" });
    expect(error.message).toContain("tokenizer cannot encode this input");
    for (const response of normal) expect(response.status).toBe(200);
    for (const stream of streams) {
      const text = await stream.rest;
      expect(text).toContain("data: [DONE]");
      expect(text).not.toContain('"error"');
    }
    expect(client.tokenizer.crashes).toBe(1);
    expect(client.restarts).toBe(0);
    expect(client.pid).toBe(runnerPid!);
    expect(server.logs.join("\n")).toMatch(/tokenizer for .* crashed on a prompt \(signal SIGABRT\)/);
    expect(server.logs.join("\n")).not.toContain("runner for");
  });

  test("a repeat is refused at once, without crashing the tokenizer again", async () => {
    await client.tokenizer.start();
    const tokenizerPid = client.tokenizer.pid;
    const refusedBefore = client.tokenizer.refusedRepeats;
    const again = await chat(server, CRASH_INPUT);
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).error.message).toContain("crashed it before");
    expect(client.tokenizer.crashes).toBe(1);
    expect(client.tokenizer.refusedRepeats).toBe(refusedBefore + 1);
    expect(client.tokenizer.pid).toBe(tokenizerPid!);
    const next = await chat(server, "Once upon a time");
    expect(next.status).toBe(200);
    expect(client.restarts).toBe(0);
  });

  test("counting tokens goes through the tokenizer process too: a crash there is a 400 as well", async () => {
    const counted = await server.post("/v1/messages/count_tokens", { model: server.modelId, messages: [{ role: "user", content: `${CRASH_INPUT} {y}` }] });
    expect(counted.status).toBe(400);
    expect(((await counted.json()) as any).error.type).toBe("invalid_request_error");
    expect(client.tokenizer.crashes).toBe(2);
    const fine = await server.post("/v1/messages/count_tokens", { model: server.modelId, messages: [{ role: "user", content: "Once upon a time" }] });
    expect(fine.status).toBe(200);
    expect(((await fine.json()) as any).input_tokens).toBeGreaterThan(3);
    expect(client.restarts).toBe(0);
  });
});

describe("huge prompts", () => {
  let server: TestServer;
  let client: RunnerClient;
  // 65536 tokens per sequence; this vocab's longest token is 7 bytes: prompts over ~458 KB cannot fit.
  const PER_SEQUENCE = 65536;

  beforeAll(async () => {
    // One decode thread: on a busy 2-core machine two would wait on each other at every step.
    server = await startTestServer(STORIES_260K, { parallel: 2, contextSize: 2 * PER_SEQUENCE, threads: 1, threadsBatch: 1 });
    client = await clientOf(server);
  });
  afterAll(() => server.close());

  test("a prompt longer in bytes than the context times the longest token is refused before tokenizing", async () => {
    expect(client.tokenizer.info?.maxTokenBytes).toBe(7);
    // 900 KB of CJK: tokenizing it would hold the tokenizer for tens of seconds (quadratic).
    const started = performance.now();
    const response = await chat(server, "漢".repeat(300_000));
    const elapsed = performance.now() - started;
    expect(response.status).toBe(400);
    const error = ((await response.json()) as any).error;
    expect(error.code).toBe("context_length_exceeded");
    expect(error.message).toMatch(/the prompt is 90\d{4} bytes/);
    expect(error.message).toContain(`${PER_SEQUENCE} tokens per request`);
    expect(error.message).toContain("7 bytes");
    expect(elapsed).toBeLessThan(1000);
  });

  test("a large prompt being tokenized does not stall a stream on the same model", async () => {
    const abort = new AbortController();
    const stream = await openStream(server, { max_tokens: 30_000, ignore_eos: true, temperature: 0 }, abort.signal);
    // 210 KB passes the byte bound; its ~210k tokens do not fit, which is known only once tokenized
    // (about 1.3 s of llama.cpp's tokenizer here, more under load: it is quadratic on this input).
    const started = performance.now();
    const big = await chat(server, "漢".repeat(70_000));
    const ended = performance.now();
    abort.abort();
    await stream.rest;
    expect(big.status).toBe(400);
    expect(((await big.json()) as any).error.message).toMatch(/the prompt is \d+ tokens/);
    const tokenizing = ended - started;
    const during = stream.arrivals.filter((t) => t >= started && t <= ended);
    const gaps = during.slice(1).map((t, i) => t - during[i]!);
    gaps.sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    const max = gaps.at(-1)!;
    console.log(`tokenizing took ${tokenizing.toFixed(0)} ms; the other stream's gaps meanwhile: ${gaps.length}, median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
    // The stream kept flowing through the tokenization (on the decode thread it would have stopped).
    expect(gaps.length).toBeGreaterThan(20);
    // On the decode thread one gap would span the whole tokenization.
    expect(max).toBeLessThan(tokenizing / 2);
    expect(client.restarts).toBe(0);
  });
});
