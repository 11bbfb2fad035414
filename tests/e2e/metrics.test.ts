// /metrics on the real engine (runner process, libllama, stories260K): what it reports matches
// what the responses said, and the engine's gauges follow the requests in flight.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LocalEngine } from "../../engine/localEngine.ts";
import { createMetrics } from "../../metrics/index.ts";
import { scrapeAfter, type Scrape } from "../metrics/scrape.ts";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let engine: LocalEngine | undefined;
const metrics = createMetrics(
  () => engine?.stats() ?? [],
  (name) => engine?.resolveModel(name),
);

beforeAll(async () => {
  server = await startTestServer(
    STORIES_260K,
    // 8192 tokens a sequence: room for streams long enough to outlast a scrape.
    { parallel: 2, contextSize: 16384 },
    {
      wrapEngine: (local) => {
        engine = local;
        return metrics.engine(local);
      },
      plugins: [metrics.plugin],
    },
  );
});
afterAll(() => server.close());

const model = () => ({ model: server.modelId });
let answeredSoFar = 0;
/** A scrape once every request sent so far has been counted. */
const scrapeNow = (): Promise<Scrape> => scrapeAfter(() => fetch(`${server.url}/metrics`), answeredSoFar);

describe("/metrics on the real engine", () => {
  test("three requests: counted, their tokens equal the usage they reported, the model loaded", async () => {
    const messages = [{ role: "user" as const, content: "Once upon a time" }];
    const plain = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 8 });
    const stream = await server.openai.chat.completions.create({
      model: server.modelId, messages: [{ role: "user", content: "The little dog" }], max_tokens: 8, stream: true, stream_options: { include_usage: true },
    });
    let streamed: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) if (chunk.usage) streamed = chunk.usage;
    const anthropic = (await (await server.post("/v1/messages", { model: server.modelId, max_tokens: 8, messages: [{ role: "user", content: "Lily and Ben" }] })).json()) as {
      usage: { input_tokens: number; cache_read_input_tokens: number; output_tokens: number };
    };
    answeredSoFar += 3;

    const s = await scrapeNow();
    expect(s.value("bunllama_requests_total", { route: "/v1/chat/completions", status: "200", ...model() })).toBe(2);
    expect(s.value("bunllama_requests_total", { route: "/v1/messages", status: "200", ...model() })).toBe(1);
    const prompt = plain.usage!.prompt_tokens + streamed!.prompt_tokens + anthropic.usage.input_tokens + anthropic.usage.cache_read_input_tokens;
    const completion = plain.usage!.completion_tokens + streamed!.completion_tokens + anthropic.usage.output_tokens;
    expect(s.value("bunllama_prompt_tokens_total", model())).toBe(prompt);
    expect(s.value("bunllama_completion_tokens_total", model())).toBe(completion);
    expect(s.value("bunllama_model_loaded", model())).toBe(1);
    expect(s.value("bunllama_runner_restarts_total", model())).toBe(0);
    expect(s.histogram("bunllama_time_to_first_token_seconds", model()).count).toBe(3);
    expect(s.histogram("bunllama_time_per_output_token_seconds", model()).count).toBe(3);
    expect(s.histogram("bunllama_request_duration_seconds", { route: "/v1/chat/completions" }).count).toBe(2);
  });

  test("a conversation sent again counts the prompt tokens it took from the cache", async () => {
    const before = (await scrapeNow()).value("bunllama_cached_prompt_tokens_total", model());
    const messages = [{ role: "user" as const, content: "Tim had a red ball. He liked to play with it in the park every day." }];
    const first = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 4 });
    const again = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 4 });
    answeredSoFar += 2;
    const cached = first.usage!.prompt_tokens_details!.cached_tokens! + again.usage!.prompt_tokens_details!.cached_tokens!;
    expect(again.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(0);

    const after = (await scrapeNow()).value("bunllama_cached_prompt_tokens_total", model());
    expect(after - before).toBe(cached);
    expect(after).toBeGreaterThan(0);
  });

  test("sequences decoding and requests waiting follow the streams in flight", async () => {
    // Two sequences: two long streams decode (ignore_eos, 8000 tokens: seconds even for this tiny
    // model) while a third waits.
    const controller = new AbortController();
    const open = async (content: string) => {
      const response = await server.post(
        "/v1/chat/completions",
        { ...model(), messages: [{ role: "user", content }], max_tokens: 8000, ignore_eos: true, stream: true },
        { signal: controller.signal },
      );
      const reader = response.body!.getReader();
      return reader;
    };
    const first = await open("Once upon a time");
    await first.read();
    const second = await open("The little dog");
    await second.read();
    // The third is submitted but has no sequence: its answer waits, so wait for its submission.
    const third = open("One day, a bird").catch(() => undefined);
    const submitted = Date.now() + 5000;
    while (engine!.pendingRequests() < 3 && Date.now() < submitted) await Bun.sleep(5);
    const busy = await scrapeNow();
    expect(busy.value("bunllama_active_sequences", model())).toBe(2);
    expect(busy.value("bunllama_queue_depth", model())).toBe(1);

    controller.abort();
    await third;
    const deadline = Date.now() + 5000;
    while (engine!.pendingRequests() > 0 && Date.now() < deadline) await Bun.sleep(10);
    const idle = await scrapeNow();
    expect(idle.value("bunllama_active_sequences", model())).toBe(0);
    expect(idle.value("bunllama_queue_depth", model())).toBe(0);
  });
});
