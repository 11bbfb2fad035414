// /metrics in-process: the real app and metrics plugin over a ScriptedEngine; every check reads
// the scrape through a Prometheus text-format parser.
import { afterEach, describe, expect, test } from "bun:test";
import { Elysia, type AnyElysia } from "elysia";
import type { GenerateEvent, GenerateRequest } from "../../core/index.ts";
import { createMetrics, type Metrics, type ModelStats } from "../../metrics/index.ts";
import { UNMATCHED_ROUTE } from "../../metrics/routes.ts";
import { choicesScript, HELLO, ScriptedEngine, usage } from "../support/scriptedEngine.ts";
import { appWithPlugins } from "../support/server.ts";
import { answered, scrape, scrapeAfter, type Scrape } from "./scrape.ts";

const CHAT = "/v1/chat/completions";
const MESSAGES = "/v1/messages";
const messages = [{ role: "user", content: "Hi" }];

interface Harness {
  inner: ScriptedEngine;
  metrics: Metrics;
  url: string;
  post(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  scrape(): Promise<Scrape>;
  /** A scrape once `count` requests (besides scrapes) have been counted. */
  scrapeAfter(count: number): Promise<Scrape>;
}

const apps: AnyElysia[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.stop(true);
});

function start(inner = new ScriptedEngine(), stats: () => ModelStats[] = () => []): Harness {
  const metrics = createMetrics(stats, (name) => inner.resolveModel(name), { defaultMetrics: false });
  const app = appWithPlugins(metrics.engine(inner), [metrics.plugin]);
  app.listen({ hostname: "127.0.0.1", port: 0 });
  apps.push(app);
  const url = `http://127.0.0.1:${app.server!.port}`;
  return {
    inner,
    metrics,
    url,
    post: (path, body, init) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
        ...init,
      }),
    scrape: () => scrape(() => fetch(`${url}/metrics`)),
    scrapeAfter: (count) => scrapeAfter(() => fetch(`${url}/metrics`), count),
  };
}

/** Holds each generation's "done" until release(): a stream stays open as long as a test needs. */
class GatedEngine extends ScriptedEngine {
  #gate = Promise.withResolvers<void>();

  release(): void {
    this.#gate.resolve();
  }

  override async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    const aborted = new Promise<"aborted">((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
    for await (const ev of super.generate(req, signal)) {
      // Like the real engine, a client going away ends the generation even while it waits.
      if (ev.type === "done" && (await Promise.race([this.#gate.promise, aborted])) === "aborted") return;
      yield ev;
    }
  }
}

const requests = (s: Scrape, route: string, status: number, model: string) =>
  s.value("bunllama_requests_total", { route, status: String(status), model });

describe("requests by route, status and model", () => {
  test("each answer counts once under its route pattern, its status and the model id it named", async () => {
    const h = start();
    const answers = await Promise.all([
      h.post(CHAT, { model: "test-model", messages }),
      h.post(CHAT, { model: "default", messages }), // an alias counts under the id
      h.post(CHAT, { model: "test-model", messages, stream: true }),
      h.post("/chat/completions", { model: "test-model", messages }), // bare URL: its /v1 route
      h.post(CHAT, { model: "nope", messages }), // unknown: no label value of its own
      h.post(CHAT, "{not json"),
      h.post(CHAT, { model: "test-model" }), // messages missing
      h.post(MESSAGES, { model: "test-model", max_tokens: 8, messages }),
      h.post(MESSAGES, { model: "test-model", messages }), // max_tokens missing
      fetch(`${h.url}/v1/models`),
    ]);
    await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 404, 400, 400, 200, 400, 200]);

    const s = await h.scrapeAfter(10);
    expect(s.type("bunllama_requests_total")).toBe("COUNTER");
    expect(requests(s, CHAT, 200, "test-model")).toBe(4);
    expect(requests(s, CHAT, 404, "")).toBe(1);
    expect(requests(s, CHAT, 400, "")).toBe(1);
    expect(requests(s, CHAT, 400, "test-model")).toBe(1);
    expect(requests(s, MESSAGES, 200, "test-model")).toBe(1);
    expect(requests(s, MESSAGES, 400, "test-model")).toBe(1);
    expect(requests(s, "/v1/models", 200, "")).toBe(1);
    // Nothing else: every answer above is in exactly one series.
    expect(answered(s)).toBe(10);
    expect(s.histogram("bunllama_request_duration_seconds", { route: CHAT }).count).toBe(7);
  });

  test("a stream counts once its body has ended, with its whole duration", async () => {
    const h = start(new GatedEngine());
    const response = await h.post(CHAT, { model: "test-model", messages, stream: true });
    const reader = response.body!.getReader();
    await reader.read(); // the first chunk is out; "done" is held back

    const during = await h.scrape();
    expect(requests(during, CHAT, 200, "test-model")).toBe(0);
    expect(during.histogram("bunllama_time_to_first_token_seconds", { model: "test-model" }).count).toBe(1);
    expect(during.value("bunllama_completion_tokens_total", { model: "test-model" })).toBe(0);

    (h.inner as GatedEngine).release();
    while (!(await reader.read()).done);
    const after = await h.scrapeAfter(1);
    expect(requests(after, CHAT, 200, "test-model")).toBe(1);
    expect(after.histogram("bunllama_request_duration_seconds", { route: CHAT }).count).toBe(1);
    expect(after.value("bunllama_completion_tokens_total", { model: "test-model" })).toBe(usage.completionTokens);
  });

  test("a stream the client abandons counts once, and its generation is closed", async () => {
    const h = start(new GatedEngine());
    const controller = new AbortController();
    const response = await h.post(CHAT, { model: "test-model", messages, stream: true }, { signal: controller.signal });
    await response.body!.getReader().read();
    controller.abort();
    const deadline = Date.now() + 5000;
    while (!h.inner.closed && Date.now() < deadline) await Bun.sleep(5);
    expect(h.inner.closed).toBe(true);
    (h.inner as GatedEngine).release();

    const s = await h.scrapeAfter(1);
    expect(requests(s, CHAT, 200, "test-model")).toBe(1);
    // No "done" reached the metrics: no tokens are counted for it.
    expect(s.value("bunllama_prompt_tokens_total", { model: "test-model" })).toBe(0);
  });

  test("a request no route answers counts under one route label, with the app's 404", async () => {
    const metrics = createMetrics(() => [], () => undefined, { defaultMetrics: false });
    // As createApp does: the app's own onError answers unknown routes.
    const app = new Elysia()
      .use(metrics.plugin)
      .onError(({ code }) => (code === "NOT_FOUND" ? new Response("no such route", { status: 404 }) : undefined));
    for (const path of ["/nope", "/v1/also-nope", "/x/y/z"]) expect((await app.handle(new Request(`http://local${path}`))).status).toBe(404);
    const s = await scrapeAfter(async () => app.handle(new Request("http://local/metrics")), 3);
    const counted = s.samples("bunllama_requests_total").filter((x) => x.labels.route !== "/metrics");
    expect(counted).toEqual([{ labels: { route: UNMATCHED_ROUTE, status: "404", model: "" }, value: 3 }]);
  });
});

describe("tokens and latency from the engine's events", () => {
  test("prompt, cached, completion and reasoning tokens add up the done events' usage", async () => {
    const done = { ...usage, promptTokens: 40, cachedPromptTokens: 32, completionTokens: 6, reasoningTokens: 4 };
    const script: GenerateEvent[] = [
      { type: "start", promptTokens: 40 },
      { type: "reasoning", text: "hmm" },
      { type: "text", text: "ok" },
      { type: "done", finishReason: "eos", usage: done },
    ];
    const h = start(new ScriptedEngine(script));
    for (let i = 0; i < 3; i++) await (await h.post(CHAT, { model: "test-model", messages })).text();
    const s = await h.scrapeAfter(3);
    const model = { model: "test-model" };
    expect(s.value("bunllama_prompt_tokens_total", model)).toBe(120);
    expect(s.value("bunllama_cached_prompt_tokens_total", model)).toBe(96);
    expect(s.value("bunllama_completion_tokens_total", model)).toBe(18);
    expect(s.value("bunllama_reasoning_tokens_total", model)).toBe(12);
    const ttft = s.histogram("bunllama_time_to_first_token_seconds", model);
    expect(ttft.count).toBe(3);
    expect(ttft.buckets.get("+Inf")).toBe(3);
    // generationMs 160 over 6 tokens, three times.
    const tpot = s.histogram("bunllama_time_per_output_token_seconds", model);
    expect(tpot.count).toBe(3);
    expect(tpot.sum).toBeCloseTo(3 * (0.16 / 6), 9);
    expect(tpot.buckets.get("0.025")).toBe(0);
    expect(tpot.buckets.get("0.05")).toBe(3);
  });

  test("with n choices the time per token is observed per choice; tokens once per request", async () => {
    const h = start(new ScriptedEngine(choicesScript(["abcd", "ab"], 7)));
    await (await h.post(CHAT, { model: "test-model", messages, n: 2 })).text();
    const s = await h.scrapeAfter(1);
    const tpot = s.histogram("bunllama_time_per_output_token_seconds", { model: "test-model" });
    expect(tpot.count).toBe(2);
    expect(tpot.sum).toBeCloseTo(0.16 / 4 + 0.16 / 2, 9);
    expect(s.value("bunllama_prompt_tokens_total", { model: "test-model" })).toBe(7);
    expect(s.value("bunllama_completion_tokens_total", { model: "test-model" })).toBe(6);
  });

  test("an engine error observes no latency and counts no tokens", async () => {
    const failed: GenerateEvent[] = [{ type: "error", error: { kind: "overloaded", code: "server_busy", message: "busy" } }];
    const h = start(new ScriptedEngine(failed));
    const response = await h.post(CHAT, { model: "test-model", messages });
    expect(response.status).toBe(503);
    const s = await h.scrapeAfter(1);
    expect(requests(s, CHAT, 503, "test-model")).toBe(1);
    expect(s.histogram("bunllama_time_to_first_token_seconds", { model: "test-model" }).count).toBe(0);
    expect(s.value("bunllama_prompt_tokens_total", { model: "test-model" })).toBe(0);
  });

  test("an empty answer's time to first token is its time to the end", async () => {
    const h = start(new ScriptedEngine([HELLO[0]!, { type: "done", finishReason: "eos", usage: { ...usage, completionTokens: 0 } }]));
    await (await h.post(CHAT, { model: "test-model", messages })).text();
    const s = await h.scrapeAfter(1);
    expect(s.histogram("bunllama_time_to_first_token_seconds", { model: "test-model" }).count).toBe(1);
    // No token, no time per token.
    expect(s.histogram("bunllama_time_per_output_token_seconds", { model: "test-model" }).count).toBe(0);
  });
});

describe("engine state at scrape time", () => {
  test("queue depth, running sequences, loaded and restarts are read from the engine at each scrape", async () => {
    const stats: ModelStats[] = [
      { id: "a", loaded: true, queued: 3, running: 2, restarts: 1 },
      { id: "b", loaded: false, queued: 0, running: 0, restarts: 0 },
    ];
    const h = start(new ScriptedEngine(), () => stats);
    let s = await h.scrape();
    expect(s.type("bunllama_queue_depth")).toBe("GAUGE");
    expect(s.type("bunllama_runner_restarts_total")).toBe("COUNTER");
    expect(s.value("bunllama_queue_depth", { model: "a" })).toBe(3);
    expect(s.value("bunllama_active_sequences", { model: "a" })).toBe(2);
    expect(s.value("bunllama_model_loaded", { model: "a" })).toBe(1);
    expect(s.value("bunllama_model_loaded", { model: "b" })).toBe(0);
    expect(s.value("bunllama_runner_restarts_total", { model: "a" })).toBe(1);

    stats[0] = { id: "a", loaded: true, queued: 0, running: 1, restarts: 2 };
    stats[1] = { id: "b", loaded: true, queued: 1, running: 0, restarts: 0 };
    s = await h.scrape();
    expect(s.value("bunllama_queue_depth", { model: "a" })).toBe(0);
    expect(s.value("bunllama_active_sequences", { model: "a" })).toBe(1);
    expect(s.value("bunllama_runner_restarts_total", { model: "a" })).toBe(2);
    expect(s.value("bunllama_model_loaded", { model: "b" })).toBe(1);
    expect(s.value("bunllama_queue_depth", { model: "b" })).toBe(1);
  });
});

describe("the endpoint", () => {
  test("GET /metrics answers the Prometheus text format 0.0.4, with the process metrics", async () => {
    const inner = new ScriptedEngine();
    const metrics = createMetrics(() => [], (name) => inner.resolveModel(name));
    const app = appWithPlugins(metrics.engine(inner), [metrics.plugin]);
    const response = await app.handle(new Request("http://local/metrics"));
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const s = await scrape(async () => response);
    expect(s.type("process_cpu_seconds_total")).toBe("COUNTER");
    expect(s.value("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  test("two servers in one process keep separate counts", async () => {
    const one = start();
    const two = start();
    await (await one.post(CHAT, { model: "test-model", messages })).text();
    expect(requests(await one.scrapeAfter(1), CHAT, 200, "test-model")).toBe(1);
    expect(requests(await two.scrape(), CHAT, 200, "test-model")).toBe(0);
  });
});
