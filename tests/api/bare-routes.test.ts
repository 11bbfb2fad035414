// Routes without the /v1 prefix (clients configured with a bare base URL), for every protocol
// plugin of the real app, in process and over a real socket.
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { GenerateEvent } from "../../core/index.ts";
import { createApp } from "../../server.ts";
import { ScriptedEngine, usage } from "../support/scriptedEngine.ts";

const json = (method: string, body?: unknown) => ({
  method,
  headers: { "content-type": "application/json" },
  body: body === undefined ? undefined : JSON.stringify(body),
});
const call = (app: ReturnType<typeof createApp>, path: string, init: RequestInit = {}) =>
  app.handle(new Request(`http://localhost${path}`, init));

const chat = { model: "test-model", messages: [{ role: "user", content: "Hi" }] };
const message = { model: "test-model", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] };

describe("bare paths answer as their /v1 routes", () => {
  test("OpenAI chat completions and models", async () => {
    const engine = new ScriptedEngine();
    const app = createApp(engine);
    const bare = await call(app, "/chat/completions", json("POST", chat));
    expect(bare.status).toBe(200);
    const body = (await bare.json()) as any;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message.content).toBe("Hello");
    expect(engine.requests).toHaveLength(1);

    const models = (await (await call(app, "/models")).json()) as any;
    expect(models).toEqual((await (await call(app, "/v1/models")).json()) as any);
    expect(models.data.map((m: any) => m.id)).toContain("test-model");
    expect(((await (await call(app, "/models/org/other")).json()) as any).id).toBe("org/other");
  });

  test("Anthropic messages and count_tokens", async () => {
    const app = createApp(new ScriptedEngine());
    const res = await call(app, "/messages", json("POST", message));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).type).toBe("message");
    const count = await call(app, "/messages/count_tokens", json("POST", { model: "test-model", messages: message.messages }));
    expect(count.status).toBe(200);
    expect(((await count.json()) as any).input_tokens).toBe(1);
  });

  test("Responses", async () => {
    const app = createApp(new ScriptedEngine());
    const res = await call(app, "/responses", json("POST", { model: "test-model", input: "Hi" }));
    expect(res.status).toBe(200);
    const created = (await res.json()) as any;
    expect(created.object).toBe("response");
    const fetched = await call(app, `/responses/${created.id}`);
    expect(fetched.status).toBe(200);
    expect(((await fetched.json()) as any).id).toBe(created.id);
  });

  test("errors keep the protocol's own shape", async () => {
    const app = createApp(new ScriptedEngine());
    const openai = (await (await call(app, "/chat/completions", json("POST", {}))).json()) as any;
    expect(openai.error.param).toBe("model");
    const anthropic = (await (await call(app, "/messages", json("POST", { model: "test-model" }))).json()) as any;
    expect(anthropic.type).toBe("error");
    const unknown = await call(app, "/messages/nothing", json("POST", {}));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).type).toBe("error");
    const none = await call(app, "/nothing");
    expect(none.status).toBe(404);
    expect(((await none.json()) as any).error.code).toBe("not_found");
  });

  test("routes of the app's own keep their path; the OpenAPI document lists only /v1 routes", async () => {
    const app = createApp(new ScriptedEngine());
    expect((await call(app, "/health")).status).toBe(200);
    const doc = (await (await call(app, "/openapi/json")).json()) as any;
    const paths = Object.keys(doc.paths);
    expect(paths).toContain("/v1/chat/completions");
    expect(paths).not.toContain("/chat/completions");
    expect(paths.filter((p) => p.startsWith("/v1/")).length).toBeGreaterThan(3);
  });
});

describe("over a real socket", () => {
  test("a bare-path stream streams, and a client abort reaches the engine", async () => {
    const many: GenerateEvent[] = [
      { type: "start", promptTokens: 1 },
      ...Array.from({ length: 1000 }, () => ({ type: "text", text: "x" }) as GenerateEvent),
      { type: "done", finishReason: "eos", usage },
    ];
    const engine = new ScriptedEngine(many, { delayMs: 2 });
    const app = createApp(engine).listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const ac = new AbortController();
      const res = await fetch(`http://127.0.0.1:${app.server!.port}/chat/completions`, {
        ...json("POST", { ...chat, stream: true }),
        signal: ac.signal,
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toStartWith("data: ");
      ac.abort();
      for (let i = 0; i < 100 && !engine.closed; i++) await Bun.sleep(5);
      expect(engine.closed).toBe(true);
      expect(engine.signals[0]!.aborted).toBe(true);
      expect(engine.yielded).toBeLessThan(500);
    } finally {
      await app.stop(true);
    }
  });

  test("the openai SDK configured with a bare base URL", async () => {
    const app = createApp(new ScriptedEngine()).listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${app.server!.port}`, apiKey: "x", maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "Hi" }] });
      expect(completion.choices[0]!.message.content).toBe("Hello");
    } finally {
      await app.stop(true);
    }
  });
});
