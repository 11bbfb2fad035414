// Request ids and metadata: x-request-id on every kind of response (answers, streams, errors,
// 404s, preflights, non-generation routes); metadata.request_id and mode reaching the header, the
// ledger and the `kitemesh` object; kitemesh on Chat Completions answers and last chunks, read
// through the official openai SDK (which keeps unknown fields).
import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { HELLO } from "../support/scriptedEngine.ts";
import { accountedApp, PricedEngine } from "../accounting/pricedEngine.ts";
import { requestContext } from "../../api/http/requestContext.ts";
import { requestCaller } from "../../api/http/requestId.ts";

const GENERATED = /^req_[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CREDITS = (5 * 2 + 2 * 10) / 1000;

type App = ReturnType<typeof accountedApp>["app"];

const send = (app: App, path: string, init: RequestInit & { json?: unknown } = {}) => {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("content-type", "application/json");
  return app.handle(
    new Request(`http://localhost${path}`, { method: json === undefined ? "GET" : "POST", ...rest, headers, body: json === undefined ? rest.body : JSON.stringify(json) }),
  );
};

const chatBody = (extra: Record<string, unknown> = {}) => ({ model: "test-model", messages: [{ role: "user", content: "Hi" }], ...extra });
const messagesBody = (extra: Record<string, unknown> = {}) => ({ model: "test-model", max_tokens: 8, messages: [{ role: "user", content: "Hi" }], ...extra });

interface LedgerRow {
  request_id: string;
  execution_id: string;
  endpoint: string;
  mode: string | null;
  status: number | null;
  credits: number;
}
const rows = (db: ReturnType<typeof accountedApp>["db"]) => db.query<LedgerRow, []>("SELECT * FROM usage ORDER BY id").all();

describe("x-request-id", () => {
  test("on every kind of response, a fresh generated id each time", async () => {
    const { app } = accountedApp(new PricedEngine(), { corsOrigins: ["https://app.example"] });
    const answers = await Promise.all([
      send(app, "/v1/chat/completions", { json: chatBody() }),
      send(app, "/v1/chat/completions", { json: chatBody({ stream: true }) }),
      send(app, "/v1/chat/completions", { json: { model: "test-model" } }),
      send(app, "/v1/chat/completions", { json: chatBody({ model: "nope" }) }),
      send(app, "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }),
      send(app, "/chat/completions", { json: chatBody() }),
      send(app, "/v1/messages", { json: messagesBody() }),
      send(app, "/v1/messages", { json: messagesBody({ stream: true }) }),
      send(app, "/v1/messages", { json: { model: "test-model" } }),
      send(app, "/v1/messages/count_tokens", { json: { model: "test-model", messages: [{ role: "user", content: "Hi" }] } }),
      send(app, "/v1/responses", { json: { model: "test-model", input: "Hi" } }),
      send(app, "/v1/responses", { json: { model: "test-model", input: "Hi", stream: true } }),
      send(app, "/v1/responses/resp_missing"),
      send(app, "/v1/models"),
      send(app, "/health"),
      send(app, "/v1/usage"),
      send(app, "/v1/usage?group_by=colour"),
      send(app, "/v1/nowhere"),
      send(app, "/v1/chat/completions", {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 400, 404, 400, 200, 200, 200, 400, 200, 200, 200, 404, 200, 200, 200, 400, 404, 204]);
    const ids = answers.map((r) => r.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(GENERATED);
    expect(new Set(ids).size).toBe(ids.length);
    // Streams carry it too (the header goes out before the first frame).
    expect(answers[1]!.headers.get("content-type")).toStartWith("text/event-stream");
    // Anthropic's own request-id header says the same on its answers (its errors are shaped by
    // the app's error handler, which makes an id of its own).
    for (const r of [answers[6]!, answers[7]!, answers[9]!]) expect(r.headers.get("request-id")).toBe(r.headers.get("x-request-id"));
    await Promise.all(answers.map((r) => r.arrayBuffer()));
  });

  test("a client's x-request-id header is kept: header, kitemesh and ledger", async () => {
    const { app, db } = accountedApp();
    const r = await send(app, "/v1/chat/completions", { json: chatBody(), headers: { "x-request-id": "trace-42" } });
    expect(r.headers.get("x-request-id")).toBe("trace-42");
    expect(((await r.json()) as { kitemesh: { request_id: string } }).kitemesh.request_id).toBe("trace-42");
    expect(rows(db).map((row) => row.request_id)).toEqual(["trace-42"]);
  });
});

describe("metadata", () => {
  test("Chat Completions: metadata.request_id wins over the header and names the answer, its kitemesh and its row; mode is recorded", async () => {
    const { app, db } = accountedApp();
    const r = await send(app, "/v1/chat/completions", {
      json: chatBody({ metadata: { request_id: "req_demo_001", mode: "eval", team: "search" } }),
      headers: { "x-request-id": "ignored" },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toBe("req_demo_001");
    const body = (await r.json()) as { kitemesh: { execution_id: string; request_id: string; credits_charged: number } };
    const [row] = rows(db);
    expect(body.kitemesh).toEqual({ execution_id: row!.execution_id, credits_charged: CREDITS, request_id: "req_demo_001" });
    expect(row).toMatchObject({ request_id: "req_demo_001", endpoint: "chat-completions", mode: "eval", status: 200 });
  });

  test("an error answer carries the client's request id too", async () => {
    const { app } = accountedApp();
    const r = await send(app, "/v1/chat/completions", { json: chatBody({ model: "nope", metadata: { request_id: "req_err" } }) });
    expect(r.status).toBe(404);
    expect(r.headers.get("x-request-id")).toBe("req_err");
  });

  test("a request_id that cannot be a header, too many keys, or a non-string value: 400 naming the field", async () => {
    const { app, db } = accountedApp();
    const cases: [Record<string, unknown>, string][] = [
      [{ request_id: "has space" }, "metadata.request_id"],
      [{ request_id: "x".repeat(129) }, "metadata.request_id"],
      [{ request_id: "" }, "metadata.request_id"],
      [Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])), "metadata"],
      [{ note: "x".repeat(513) }, "metadata.note"],
      [{ count: 3 }, "metadata.count"],
    ];
    for (const [metadata, param] of cases) {
      const r = await send(app, "/v1/chat/completions", { json: chatBody({ metadata }) });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { param: string } }).error.param).toBe(param);
      expect(r.headers.get("x-request-id")).toMatch(GENERATED);
    }
    // Refused before the engine: nothing to record.
    expect(rows(db)).toHaveLength(0);
  });

  test("Anthropic: metadata.request_id names the answer (x-request-id and request-id) and the row; user_id accepted; other keys refused", async () => {
    const { app, db } = accountedApp();
    const client = new Anthropic({ apiKey: "x", baseURL: "http://localhost", fetch: (url, init) => app.handle(new Request(url, init)), maxRetries: 0 });
    const { data, response } = await client.messages
      .create({ model: "test-model", max_tokens: 8, messages: [{ role: "user", content: "Hi" }], metadata: { user_id: "u1", request_id: "req_anthropic", mode: "chat" } as never })
      .withResponse();
    expect(data.content).toEqual([{ type: "text", text: "Hello" }] as never);
    expect(response.headers.get("x-request-id")).toBe("req_anthropic");
    expect(response.headers.get("request-id")).toBe("req_anthropic");
    expect(rows(db)).toMatchObject([{ request_id: "req_anthropic", endpoint: "messages", mode: "chat", status: 200 }]);
    // Anthropic answers have no kitemesh: their own id.
    expect(data).not.toHaveProperty("kitemesh");

    const refused = await send(app, "/v1/messages", { json: messagesBody({ metadata: { colour: "red" } }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("metadata.colour");
  });

  test("Responses: metadata.request_id names the answer and the row; the metadata is kept on the response", async () => {
    const { app, db } = accountedApp();
    const client = new OpenAI({ apiKey: "x", baseURL: "http://localhost/v1", fetch: (url, init) => app.handle(new Request(url, init)), maxRetries: 0 });
    const { data, response } = await client.responses.create({ model: "test-model", input: "Hi", metadata: { request_id: "req_resp", mode: "agent" } }).withResponse();
    expect(response.headers.get("x-request-id")).toBe("req_resp");
    expect(data.metadata).toEqual({ request_id: "req_resp", mode: "agent" });
    expect(rows(db)).toMatchObject([{ request_id: "req_resp", endpoint: "responses", mode: "agent", status: 200 }]);
  });
});

describe("kitemesh through the openai SDK", () => {
  const sdk = (app: App) => new OpenAI({ apiKey: "x", baseURL: "http://localhost/v1", fetch: (url, init) => app.handle(new Request(url, init)), maxRetries: 0 });
  type WithKitemesh = { kitemesh?: { execution_id: string; credits_charged: number; request_id: string } };

  test("non-streamed: beside usage, in the reference's shape", async () => {
    const { app, db } = accountedApp();
    const completion = (await sdk(app).chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
      metadata: { request_id: "req_demo_001" },
    })) as OpenAI.ChatCompletion & WithKitemesh;
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(completion.kitemesh).toEqual({ execution_id: expect.stringMatching(UUID), credits_charged: CREDITS, request_id: "req_demo_001" });
    expect(completion.kitemesh!.execution_id).toBe(rows(db)[0]!.execution_id);
  });

  test("each request gets its own execution id", async () => {
    const { app } = accountedApp();
    const ask = () => sdk(app).chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "Hi" }] }) as Promise<OpenAI.ChatCompletion & WithKitemesh>;
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a.kitemesh!.execution_id).not.toBe(b.kitemesh!.execution_id);
    expect(a.kitemesh!.request_id).not.toBe(b.kitemesh!.request_id);
  });

  async function chunks(app: App, extra: Record<string, unknown>) {
    const stream = await sdk(app).chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      metadata: { request_id: "req_stream" },
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    const all: (OpenAI.ChatCompletionChunk & WithKitemesh)[] = [];
    for await (const chunk of stream) all.push(chunk);
    return all;
  }

  const expected = (db: ReturnType<typeof accountedApp>["db"]) => ({ execution_id: rows(db)[0]!.execution_id, credits_charged: CREDITS, request_id: "req_stream" });

  test("streamed (usage on the finish chunk, the default): on the last chunk only", async () => {
    const { app, db } = accountedApp();
    const all = await chunks(app, {});
    const last = all.at(-1)!;
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect(last.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2 });
    expect(last.kitemesh).toEqual(expected(db));
    expect(all.slice(0, -1).every((c) => c.kitemesh === undefined)).toBe(true);
  });

  test("streamed with stream_options.include_usage: on the usage chunk, which is last", async () => {
    const { app, db } = accountedApp();
    const all = await chunks(app, { stream_options: { include_usage: true } });
    const last = all.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ total_tokens: 7 });
    expect(last.kitemesh).toEqual(expected(db));
    expect(all.slice(0, -1).every((c) => c.kitemesh === undefined)).toBe(true);
  });

  test("streamed without usage: still on the final chunk", async () => {
    const { app, db } = accountedApp();
    const all = await chunks(app, { include_usage: false });
    const last = all.at(-1)!;
    expect(last.usage).toBeUndefined();
    expect(last.choices[0]!.finish_reason).toBe("stop");
    expect(last.kitemesh).toEqual(expected(db));
  });

  test("n > 1: once, on the last chunk", async () => {
    const { app } = accountedApp(new PricedEngine(() => [...HELLO]));
    const all = await chunks(app, {});
    expect(all.filter((c) => c.kitemesh).length).toBe(1);
    expect(all.at(-1)!.kitemesh).toBeDefined();
  });
});

describe("requestCaller", () => {
  test("carries the authenticated token's id and group limits to the engine", () => {
    const request = new Request("http://localhost/v1/chat/completions", { method: "POST" });
    requestContext(request).token = { id: "tok_1", name: "t", scopes: ["chat-completions"], groups: ["g-1"] };
    const caller = requestCaller(request, { headers: {} as never }, "chat-completions", undefined);
    expect(caller).toMatchObject({ tokenId: "tok_1", tokenGroups: ["g-1"], endpoint: "chat-completions" });
  });
});
