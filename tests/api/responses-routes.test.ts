// HTTP shaping of the Responses routes, in process through app.handle(), with ScriptedEngine
// (the protocol layer only) and a real bun:sqlite store in a temporary folder.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia } from "elysia";
import { responsesRoutes } from "../../api/responses/routes.ts";
import type { Engine, GenerateEvent, GenerateRequest, ModelInfo } from "../../core/index.ts";
import { openStore, type ResponseStore } from "../../store/index.ts";
import { HELLO, ScriptedEngine, usage } from "../support/scriptedEngine.ts";

const dataDir = mkdtempSync(join(tmpdir(), "bunllama-responses-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const stores: ResponseStore[] = [];
function freshStore(dir = mkdtempSync(join(dataDir, "s-"))): ResponseStore {
  const store = openStore(dir);
  stores.push(store);
  return store;
}
afterAll(() => stores.forEach((s) => s.close()));

type App = { handle(r: Request): Promise<Response> };
const makeApp = (engine: Engine, store: ResponseStore = freshStore()) => new Elysia().use(responsesRoutes(engine, store));

const call = (app: App, method: string, path: string, body?: unknown) =>
  app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
const create = (app: App, body: Record<string, unknown>) => call(app, "POST", "/v1/responses", { model: "test-model", ...body });

/** Events of an SSE body: the `event:` name and the parsed `data:` JSON. */
async function events(res: Response): Promise<Record<string, any>[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((f) => f.trim())
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!);
      return { event, ...data };
    });
}

const TOOL_CALL: GenerateEvent[] = [
  { type: "start", promptTokens: 7 },
  { type: "tool_call_start", index: 0, id: "fc_xyz", name: "get_weather" },
  { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
  { type: "tool_call_end", index: 0 },
  { type: "done", finishReason: "tool_calls", usage },
];
const WEATHER = [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }];

describe("POST /v1/responses", () => {
  test("answers a response object with the output, usage and echoed parameters", async () => {
    const res = await create(makeApp(new ScriptedEngine()), { input: "Hi", instructions: "Be brief.", metadata: { k: "v" }, max_output_tokens: 50 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      object: "response",
      status: "completed",
      model: "test-model",
      instructions: "Be brief.",
      max_output_tokens: 50,
      metadata: { k: "v" },
      store: true,
      truncation: "disabled",
      usage: { input_tokens: 5, output_tokens: 2, total_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(body.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(body.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }] },
    ]);
  });

  test("streams every event with its type, event line and consecutive sequence_number", async () => {
    const res = await create(makeApp(new ScriptedEngine()), { input: "Hi", stream: true });
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const all = await events(res);
    expect(all.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    for (const e of all) expect(e.event).toBe(e.type);
    expect(all[0]!.response).toMatchObject({ status: "in_progress", output: [], usage: null });
    expect(all.at(-1)!.response.output[0].content[0].text).toBe("Hello");
  });

  test("a function call gets fc_ item id and call_ call_id; unrunnable tools are left out and named in a header", async () => {
    const engine = new ScriptedEngine(TOOL_CALL);
    const res = await create(makeApp(engine), { input: "Weather?", tools: [...WEATHER, { type: "web_search" }, { type: "tool_search" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-bunllama-ignored-tools")).toBe("web_search, tool_search");
    expect(res.headers.get("x-bunllama-warnings")).toContain("web_search");
    expect(engine.requests[0]!.tools!.map((t) => t.name)).toEqual(["get_weather"]);
    const body = await res.json();
    expect(body.output).toEqual([
      { id: "fc_xyz", type: "function_call", status: "completed", call_id: "call_xyz", name: "get_weather", arguments: '{"city":"Paris"}' },
    ]);
  });

  test("errors in OpenAI's shape: validation, unknown model, unsupported field, bad JSON", async () => {
    const app = makeApp(new ScriptedEngine());
    const missing = await call(app, "POST", "/v1/responses", { input: "x" });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatchObject({ type: "invalid_request_error", param: "model" });
    const unknown = await create(app, { model: "nope", input: "x" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: "model_not_found", param: "model" });
    const background = await create(app, { input: "x", background: true });
    expect(background.status).toBe(400);
    expect((await background.json()).error.param).toBe("background");
    const image = await create(app, { input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] });
    expect((await image.json()).error.param).toBe("input[0].content[0].file_id");
    const bad = await call(app, "POST", "/v1/responses", "{nope");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_json");
  });

  test("a prompt over the context is a 400 naming input (truncation disabled)", async () => {
    const overflow: GenerateEvent[] = [{ type: "error", error: { kind: "context_exceeded", code: "context_length_exceeded", message: "too long", param: "messages" } }];
    const res = await create(makeApp(new ScriptedEngine(overflow)), { input: "x" });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "context_length_exceeded", param: "input" });
  });

  test("a failure mid-stream ends with error then response.failed, and is stored as failed", async () => {
    const script: GenerateEvent[] = [
      { type: "start", promptTokens: 5 },
      { type: "text", text: "partial" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "The model's runner crashed." } },
    ];
    const app = makeApp(new ScriptedEngine(script));
    const all = await events(await create(app, { input: "x", stream: true }));
    expect(all.slice(-2).map((e) => e.type)).toEqual(["error", "response.failed"]);
    const id = all[0]!.response.id;
    const stored = await (await call(app, "GET", `/v1/responses/${id}`)).json();
    expect(stored.status).toBe("failed");
    expect(stored.error).toEqual({ code: "runner_crashed", message: "The model's runner crashed." });
    // Not streamed: the HTTP status carries the failure.
    const plain = await create(app, { input: "x" });
    expect(plain.status).toBe(500);
    expect((await plain.json()).error.code).toBe("runner_crashed");
  });
});

describe("stored responses", () => {
  test("GET returns the stored response, DELETE removes it, then 404 in OpenAI's shape", async () => {
    const app = makeApp(new ScriptedEngine());
    const created = await (await create(app, { input: "Hi" })).json();
    const got = await call(app, "GET", `/v1/responses/${created.id}`);
    expect(await got.json()).toEqual(created);
    const deleted = await call(app, "DELETE", `/v1/responses/${created.id}`);
    expect(await deleted.json()).toEqual({ id: created.id, object: "response", deleted: true });
    const gone = await call(app, "GET", `/v1/responses/${created.id}`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toMatchObject({ type: "not_found_error", message: expect.stringContaining(created.id) });
    expect((await call(app, "DELETE", `/v1/responses/${created.id}`)).status).toBe(404);
  });

  test("store: false keeps nothing", async () => {
    const app = makeApp(new ScriptedEngine());
    const created = await (await create(app, { input: "Hi", store: false })).json();
    expect(created.store).toBe(false);
    expect((await call(app, "GET", `/v1/responses/${created.id}`)).status).toBe(404);
  });

  test("GET ?stream=true replays the stored response as the same events", async () => {
    const app = makeApp(new ScriptedEngine());
    const live = await events(await create(app, { input: "Hi", stream: true }));
    const replay = await events(await call(app, "GET", `/v1/responses/${live[0]!.response.id}?stream=true`));
    // The replay sends each part's text in one delta.
    const collapse = (types: string[]) => types.filter((t, i) => !(t.endsWith(".delta") && types[i - 1] === t));
    expect(replay.map((e) => e.type)).toEqual(collapse(live.map((e) => e.type)));
    expect(replay.map((e) => e.sequence_number)).toEqual(replay.map((_, i) => i));
    expect(replay.find((e) => e.type === "response.output_text.delta")!.delta).toBe("Hello");
    expect(replay.at(-1)!.response).toEqual(live.at(-1)!.response);
  });

  test("input_items lists this request's items with ids, newest first by default", async () => {
    const app = makeApp(new ScriptedEngine());
    const input = [
      { role: "developer", content: "rules", id: "msg_dev" },
      { role: "user", content: [{ type: "input_text", text: "one" }] },
      { role: "user", content: "two" },
    ];
    const created = await (await create(app, { input })).json();
    const desc = await (await call(app, "GET", `/v1/responses/${created.id}/input_items`)).json();
    expect(desc.object).toBe("list");
    expect(desc.data.map((i: any) => i.content)).toEqual(["two", [{ type: "input_text", text: "one" }], "rules"]);
    expect(desc.data.every((i: any) => typeof i.id === "string" && i.type === "message")).toBe(true);
    expect(desc.last_id).toBe("msg_dev");
    const asc = await (await call(app, "GET", `/v1/responses/${created.id}/input_items?order=asc&limit=2`)).json();
    expect(asc.data.map((i: any) => i.id)[0]).toBe("msg_dev");
    expect(asc.has_more).toBe(true);
    const rest = await (await call(app, "GET", `/v1/responses/${created.id}/input_items?order=asc&after=${asc.last_id}`)).json();
    expect(rest.data.map((i: any) => i.content)).toEqual(["two"]);
    expect(rest.has_more).toBe(false);
  });

  test("previous_response_id continues the stored conversation, tool call and result included", async () => {
    const engine = new ScriptedEngine((req) => (req.messages.some((m) => m.role === "tool") ? HELLO : TOOL_CALL));
    const app = makeApp(engine);
    const first = await (await create(app, { input: "Weather in Paris?", instructions: "Be brief.", tools: WEATHER })).json();
    const callId = first.output[0].call_id;
    const second = await create(app, {
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: callId, output: "sunny" }],
      tools: WEATHER,
    });
    expect(second.status).toBe(200);
    const body = await second.json();
    expect(body.previous_response_id).toBe(first.id);
    expect(body.output[0].content[0].text).toBe("Hello");
    // Instructions are not carried over; the call and its result are.
    const sent = engine.requests[1]!.messages;
    expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent[1]!.toolCalls).toEqual([{ id: callId, name: "get_weather", arguments: '{"city":"Paris"}' }]);
    expect(sent[2]).toMatchObject({ toolCallId: callId, content: [{ type: "text", text: "sunny" }] });
    const unknown = await create(app, { previous_response_id: "resp_missing", input: "x" });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.param).toBe("previous_response_id");
  });

  test("a store reopened from the same file keeps responses, conversations and the reasoning key (a restart)", async () => {
    const dir = mkdtempSync(join(dataDir, "restart-"));
    const thinking: GenerateEvent[] = [
      { type: "start", promptTokens: 5 },
      { type: "reasoning", text: "Paris is in France." },
      { type: "text", text: "Sunny." },
      { type: "done", finishReason: "eos", usage },
    ];
    const before = openStore(dir);
    const app1 = makeApp(new ScriptedEngine(thinking), before);
    const created = await (await create(app1, { input: "Weather?", include: ["reasoning.encrypted_content"] })).json();
    const reasoningItem = created.output[0];
    expect(reasoningItem.type).toBe("reasoning");
    expect(reasoningItem.encrypted_content).not.toContain("Paris");
    before.close();

    const after = freshStore(dir);
    const engine = new ScriptedEngine();
    const app2 = makeApp(engine, after);
    expect(await (await call(app2, "GET", `/v1/responses/${created.id}`)).json()).toEqual(created);
    await create(app2, { previous_response_id: created.id, input: "And tomorrow?" });
    expect(engine.requests[0]!.messages.map((m) => m.content.map((p) => p.text).join(""))).toEqual(["Weather?", "Sunny.", "And tomorrow?"]);
    expect(engine.requests[0]!.messages[1]!.reasoning).toBe("Paris is in France.");
    // Stateless clients (store: false) send the reasoning item back; the same key opens it.
    await create(app2, { store: false, input: [{ role: "user", content: "Weather?" }, reasoningItem, created.output[1], { role: "user", content: "More?" }] });
    expect(engine.requests[1]!.messages[1]!.reasoning).toBe("Paris is in France.");
  });
});

/** Stops when its signal aborts, as the real engine does. */
class SlowEngine extends ScriptedEngine {
  constructor() {
    super([{ type: "start", promptTokens: 1 }, ...Array.from({ length: 200 }, () => ({ type: "text" as const, text: "a" })), { type: "done", finishReason: "eos", usage }], { delayMs: 5 });
  }
  override async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    for await (const ev of super.generate(req, signal)) {
      if (signal.aborted) return;
      yield ev;
    }
  }
}

describe("POST /v1/responses/{id}/cancel", () => {
  test("cancels a response in progress: the stream ends cancelled and the stored response says so", async () => {
    const app = makeApp(new SlowEngine());
    const res = await create(app, { input: "x", stream: true });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = JSON.parse(/^data: (.*)$/m.exec(first)![1]!).response.id;
    const cancelled = await call(app, "POST", `/v1/responses/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toContain("event: response.cancelled");
    expect(rest).not.toContain("response.completed");
    const stored = await (await call(app, "GET", `/v1/responses/${id}`)).json();
    expect(stored.status).toBe("cancelled");
    const again = await call(app, "POST", `/v1/responses/${id}/cancel`);
    expect(again.status).toBe(400);
    expect((await call(app, "POST", "/v1/responses/resp_nope/cancel")).status).toBe(404);
  });

  test("deleting a response in progress stops it and keeps nothing", async () => {
    const app = makeApp(new SlowEngine());
    const res = await create(app, { input: "x", stream: true });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const id = JSON.parse(/^data: (.*)$/m.exec(first)![1]!).response.id;
    expect((await call(app, "DELETE", `/v1/responses/${id}`)).status).toBe(200);
    while (!(await reader.read()).done);
    expect((await call(app, "GET", `/v1/responses/${id}`)).status).toBe(404);
  });
});

/** Counts words as tokens and has a context of 8, for truncation. */
class SmallContextEngine extends ScriptedEngine {
  override listModels(): ModelInfo[] {
    return super.listModels().map((m) => ({ ...m, contextLength: 8 }));
  }
}

describe("truncation and token counting", () => {
  const turns = [
    { role: "user", content: "one two three four" },
    { role: "assistant", content: "five six seven eight" },
    { role: "user", content: "nine ten eleven twelve" },
  ];

  // 1 + 4 + 4 + 4 words, plus 1 token to answer: 14, then 10, then 6 <= 8.
  test("auto drops the oldest turns until the prompt fits; disabled sends everything", async () => {
    const engine = new SmallContextEngine();
    const app = makeApp(engine);
    await create(app, { input: turns, instructions: "sys", truncation: "auto" });
    const sent = engine.requests.at(-1)!.messages.map((m) => m.content[0]!.text);
    expect(sent).toEqual(["sys", "nine ten eleven twelve"]);
    await create(app, { input: turns, truncation: "disabled" });
    expect(engine.requests.at(-1)!.messages).toHaveLength(3);
  });

  test("POST /v1/responses/input_tokens counts the rendered request", async () => {
    const res = await call(makeApp(new ScriptedEngine()), "POST", "/v1/responses/input_tokens", { model: "test-model", input: turns, instructions: "be brief" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: "response.input_tokens", input_tokens: 14 });
  });
});
