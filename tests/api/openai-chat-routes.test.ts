// HTTP shaping of the OpenAI Chat Completions routes, in process through app.handle().
// ScriptedEngine replays fixed GenerateEvents: it tests the protocol layer only; the real engine
// has its own end-to-end tests.
import { describe, expect, spyOn, test } from "bun:test";
import { Elysia, t } from "elysia";
import { openapi } from "@elysiajs/openapi";
import OpenAI from "openai";
import { openaiRoutes } from "../../api/openai/routes.ts";
import type { Engine, GenerateEvent } from "../../core/index.ts";
import { HELLO, ScriptedEngine, usage } from "../support/scriptedEngine.ts";

const makeApp = (engine: Engine, maxBodyBytes?: number) => new Elysia().use(openaiRoutes(engine, { maxBodyBytes }));

const post = (app: { handle(r: Request): Promise<Response> }, body: unknown, headers: Record<string, string> = {}) =>
  app.handle(
    new Request("http://localhost/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

const chat = (extra: Record<string, unknown> = {}) => ({
  model: "test-model",
  messages: [{ role: "user", content: "Hi" }],
  ...extra,
});

/** The `data:` payloads of an SSE body. */
const sseData = (text: string) =>
  text
    .split("\n\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => f.slice("data: ".length));

const expectOpenAIError = async (res: Response, status: number, param?: string | null, code?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as any;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof body.error.message).toBe("string");
  if (param !== undefined) expect(body.error.param).toBe(param);
  if (code !== undefined) expect(body.error.code).toBe(code);
  return body.error;
};

describe("POST /v1/chat/completions", () => {
  test("non-streamed answer has the chat.completion shape", async () => {
    const engine = new ScriptedEngine();
    const res = await post(makeApp(engine), chat({ max_tokens: 3, stop: "x", unknown_sdk_field: { a: 1 } }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("test-model");
    expect(body.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "Hello", reasoning: "" }, logprobs: null, finish_reason: "stop" },
    ]);
    expect(body.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, tokens_per_second: 12.35 });
    expect(body.prompt).toBeUndefined();
    expect(engine.requests[0]!.maxTokens).toBe(3);
    expect(engine.requests[0]!.stop).toEqual(["x"]);
    expect(engine.closed).toBe(true);
  });

  test("messages reach the engine intact through Elysia's body normalization", async () => {
    const engine = new ScriptedEngine();
    const messages = [
      { role: "developer", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: "42" },
    ];
    expect((await post(makeApp(engine), chat({ messages, temperature: 0 }))).status).toBe(200);
    expect(engine.requests[0]!.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "Be brief." }] },
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: [], toolCalls: [{ id: "call_1", name: "f", arguments: '{"x":1}' }] },
      { role: "tool", content: [{ type: "text", text: "42" }], toolCallId: "call_1" },
    ]);
    expect(engine.requests[0]!.sampling.temperature).toBe(0);
    // Unsaid fields stay unsaid (the model's defaults apply in the engine), even through Elysia's schema.
    expect(engine.requests[0]!.sampling.topK).toBeUndefined();
  });

  test("return_prompt adds the rendered prompt", async () => {
    const res = await post(makeApp(new ScriptedEngine()), chat({ return_prompt: true }));
    expect(((await res.json()) as any).prompt).toBe("<user>Hi");
  });

  test("a JSON body sent as form-urlencoded (curl -d) is accepted", async () => {
    const res = await post(makeApp(new ScriptedEngine()), chat(), { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(200);
  });

  test("invalid JSON is a 400 in OpenAI shape", async () => {
    await expectOpenAIError(await post(makeApp(new ScriptedEngine()), "{not json"), 400, null, "invalid_json");
  });

  test("missing messages is a 400 naming param messages", async () => {
    const err = await expectOpenAIError(
      await post(makeApp(new ScriptedEngine()), { model: "test-model" }),
      400,
      "messages",
      "missing_required_parameter",
    );
    expect(err.type).toBe("invalid_request_error");
  });

  test("missing model is a 400 saying the parameter is required", async () => {
    const err = await expectOpenAIError(
      await post(makeApp(new ScriptedEngine()), { messages: [{ role: "user", content: "Hi" }] }),
      400,
      "model",
      "missing_required_parameter",
    );
    expect(err.message).toBe("Missing required parameter: 'model'.");
  });

  test("llama-server's fields survive validation and reach the engine", async () => {
    const engine = new ScriptedEngine();
    const app = makeApp(engine);
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const fields = { ignore_eos: true, n_probs: 2, cache_prompt: true, n_predict: 9, chat_template_kwargs: { enable_thinking: false } };
    expect((await post(app, chat({ ...fields, response_format: { type: "json_object", schema } }))).status).toBe(200);
    expect((await post(app, chat({ grammar: 'root ::= "a"' }))).status).toBe(200);
    expect((await post(app, chat({ json_schema: schema }))).status).toBe(200);
    const [first, second, third] = engine.requests;
    expect(first!.sampling.ignoreEos).toBe(true);
    expect(first!.topLogprobs).toBe(2);
    expect(first!.maxTokens).toBe(9);
    expect(first!.reasoning!.enabled).toBe(false);
    expect(first!.responseFormat).toEqual({ type: "json_schema", schema, strict: true });
    expect(second!.responseFormat).toEqual({ type: "grammar", grammar: 'root ::= "a"' });
    expect(third!.responseFormat).toEqual({ type: "json_schema", schema, strict: true });
  });

  test("image_url.detail: auto, low and high are accepted (and ignored), any other value is a 400 naming it", async () => {
    const app = makeApp(new ScriptedEngine());
    const image = (detail: string) => [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA", detail } }] }];
    for (const detail of ["auto", "low", "high"]) expect((await post(app, chat({ messages: image(detail) }))).status).toBe(200);
    await expectOpenAIError(await post(app, chat({ messages: image("max") })), 400, "messages[0].content[0].image_url.detail");
  });

  test("a llama-server field that is not honoured is a 400 naming it", async () => {
    const app = makeApp(new ScriptedEngine());
    await expectOpenAIError(await post(app, chat({ mirostat: 2 })), 400, "mirostat", "unsupported_parameter");
    await expectOpenAIError(await post(app, chat({ chat_template_kwargs: { foo: 1 } })), 400, "chat_template_kwargs.foo", "unsupported_parameter");
    await expectOpenAIError(await post(app, chat({ grammar: "root ::= [a]", json_schema: {} })), 400, "json_schema");
    await expectOpenAIError(await post(app, chat({ n_probs: 21 })), 400, "n_probs", "invalid_value");
    expect((await post(app, chat({ mirostat: 0, typical_p: 1 }))).status).toBe(200);
  });

  test("a wrong type or range names the field", async () => {
    const app = makeApp(new ScriptedEngine());
    await expectOpenAIError(await post(app, chat({ temperature: "hot" })), 400, "temperature", "invalid_type");
    await expectOpenAIError(await post(app, chat({ temperature: -1 })), 400, "temperature", "invalid_value");
    await expectOpenAIError(await post(app, chat({ top_logprobs: 21, logprobs: true })), 400, "top_logprobs");
    await expectOpenAIError(await post(app, chat({ max_tokens: 0 })), 400, "max_tokens");
    const err = await expectOpenAIError(
      await post(app, chat({ messages: [{ role: "robot", content: "x" }] })),
      400,
      "messages[0].role",
    );
    expect(err.message).toContain('"assistant"');
    await expectOpenAIError(await post(app, chat({ messages: [] })), 400, "messages");
    // Elysia normalizes a string into an array of objects before validating: the message must
    // still name the field the client got wrong.
    const wrong = await expectOpenAIError(await post(app, chat({ messages: "hi" })), 400, "messages", "invalid_type");
    expect(wrong.message).toContain("expected array");
    await expectOpenAIError(await post(app, chat({ stop: ["a", 5] })), 400, "stop[1]", "invalid_type");
    await expectOpenAIError(await post(app, chat({ max_tokens: "5" })), 400, "max_tokens", "invalid_type");
    await expectOpenAIError(await post(app, "[1,2]"), 400, null);
  });

  test("semantic errors from fromChatRequest keep their param", async () => {
    const app = makeApp(new ScriptedEngine());
    await expectOpenAIError(await post(app, chat({ top_logprobs: 2 })), 400, "top_logprobs");
    await expectOpenAIError(await post(app, chat({ tool_choice: "required" })), 400, "tool_choice");
    // reasoning{} fields this server does not know would be silently ignored: refused instead.
    await expectOpenAIError(await post(app, chat({ reasoning: { effort: "low", exclude: true } })), 400, "reasoning.exclude", "unsupported_parameter");
  });

  test("unknown model is a 404", async () => {
    const engine = new ScriptedEngine();
    const err = await expectOpenAIError(await post(makeApp(engine), chat({ model: "nope" })), 404, "model", "model_not_found");
    expect(err.type).toBe("not_found_error");
    expect(engine.requests).toHaveLength(0);
  });

  test("oversized body is a 413, by content-length or by counting a chunked body", async () => {
    const app = makeApp(new ScriptedEngine(), 1000);
    const big = JSON.stringify(chat({ user: "x".repeat(2000) }));
    await expectOpenAIError(
      await post(app, big, { "content-length": String(big.length) }),
      413,
      null,
      "request_too_large",
    );
    const chunked = new Request("http://localhost/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
    });
    await expectOpenAIError(await app.handle(chunked), 413, null, "request_too_large");
    expect((await post(app, chat())).status).toBe(200);
  });

  test("an error as the first event answers with its status", async () => {
    const engine = new ScriptedEngine([
      { type: "error", error: { kind: "context_exceeded", code: "context_length_exceeded", message: "Prompt too long.", param: "messages" } },
    ]);
    await expectOpenAIError(await post(makeApp(engine), chat({ stream: true })), 400, "messages", "context_length_exceeded");
    expect(engine.closed).toBe(true);
  });

  test("an error after start in a non-streamed request answers with its status", async () => {
    const engine = new ScriptedEngine([
      { type: "start", promptTokens: 1 },
      { type: "text", text: "a" },
      { type: "error", error: { kind: "overloaded", code: "runner_crashed", message: "The runner stopped." } },
    ]);
    const err = await expectOpenAIError(await post(makeApp(engine), chat()), 503, null, "runner_crashed");
    expect(err.type).toBe("server_error");
  });

  test("an exception in the engine is a generic 500", async () => {
    const engine = new ScriptedEngine(HELLO, { throwAfter: 0 });
    const log = spyOn(console, "error").mockImplementation(() => {});
    try {
      const err = await expectOpenAIError(await post(makeApp(engine), chat()), 500, null, "internal_error");
      expect(err.message).not.toContain("secret");
      expect(log).toHaveBeenCalled(); // the server keeps the details in its log
    } finally {
      log.mockRestore();
    }
  });
});

describe("streamed /v1/chat/completions", () => {
  test("SSE frames: role first, usage last, then [DONE]", async () => {
    const engine = new ScriptedEngine();
    const res = await post(makeApp(engine), chat({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const data = sseData(text);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([{ role: "assistant", content: "Hel" }, { content: "lo" }, {}]);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id)).toBe(true);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1).usage.total_tokens).toBe(7);
    expect(chunks.slice(0, -1).some((c) => "usage" in c)).toBe(false);
    expect(engine.closed).toBe(true);
  });

  test("stream_options.include_usage=true: usage:null on every chunk, then a last chunk with no choices and the usage", async () => {
    const res = await post(makeApp(new ScriptedEngine()), chat({ stream: true, stream_options: { include_usage: true } }));
    const data = sseData(await res.text());
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    const others = chunks.slice(0, -1);
    expect(others.every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(others.at(-1).choices[0].finish_reason).toBe("stop");
  });

  test("stream_options.include_usage=false drops usage", async () => {
    const res = await post(makeApp(new ScriptedEngine()), chat({ stream: true, stream_options: { include_usage: false } }));
    const chunks = sseData(await res.text()).slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.some((c) => "usage" in c)).toBe(false);
  });

  test("an error event mid-stream becomes an error frame and ends without [DONE]", async () => {
    const engine = new ScriptedEngine([
      { type: "start", promptTokens: 1 },
      { type: "text", text: "a" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "The runner stopped." } },
    ]);
    const data = sseData(await (await post(makeApp(engine), chat({ stream: true }))).text());
    expect(data).toHaveLength(2);
    expect(JSON.parse(data[1]!)).toEqual({
      error: { message: "The runner stopped.", type: "server_error", param: null, code: "runner_crashed" },
    });
    expect(engine.closed).toBe(true);
  });

  test("an exception mid-stream becomes a generic error frame", async () => {
    const engine = new ScriptedEngine(HELLO, { throwAfter: 2 });
    const log = spyOn(console, "error").mockImplementation(() => {});
    try {
      const data = sseData(await (await post(makeApp(engine), chat({ stream: true }))).text());
      const last = JSON.parse(data.at(-1)!);
      expect(last.error.code).toBe("internal_error");
      expect(JSON.stringify(last)).not.toContain("secret");
      expect(data).not.toContain("[DONE]");
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  test("client disconnect returns the engine iterator", async () => {
    const many: GenerateEvent[] = [
      { type: "start", promptTokens: 1 },
      ...Array.from({ length: 1000 }, () => ({ type: "text", text: "x" }) as GenerateEvent),
      { type: "done", finishReason: "eos", usage },
    ];
    const engine = new ScriptedEngine(many, { delayMs: 1 });
    const res = await post(makeApp(engine), chat({ stream: true }));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 50 && !engine.closed; i++) await Bun.sleep(5);
    expect(engine.closed).toBe(true);
    expect(engine.yielded).toBeLessThan(100);
  });
});

describe("streaming over a real socket", () => {
  test("client abort aborts the signal and returns the engine iterator", async () => {
    const many: GenerateEvent[] = [
      { type: "start", promptTokens: 1 },
      ...Array.from({ length: 1000 }, () => ({ type: "text", text: "x" }) as GenerateEvent),
      { type: "done", finishReason: "eos", usage },
    ];
    const engine = new ScriptedEngine(many, { delayMs: 2 });
    const server = makeApp(engine).listen(0);
    try {
      const ac = new AbortController();
      const res = await fetch(`http://localhost:${server.server!.port}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify(chat({ stream: true })),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      ac.abort();
      for (let i = 0; i < 100 && !engine.closed; i++) await Bun.sleep(5);
      expect(engine.closed).toBe(true);
      expect(engine.signals[0]!.aborted).toBe(true);
      expect(engine.yielded).toBeLessThan(500);
    } finally {
      await server.stop();
    }
  });
});

describe("error handler scope", () => {
  test("does not reshape another plugin's errors", async () => {
    const other = new Elysia({ name: "other" }).post("/other", ({ body }) => body, { body: t.Object({ x: t.Number() }) });
    const app = new Elysia().use(openaiRoutes(new ScriptedEngine())).use(other);
    const res = await app.handle(
      new Request("http://localhost/other", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    );
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text).not.toContain('"invalid_request_error"');
  });
});

describe("official openai SDK against the app", () => {
  const client = (engine: Engine) => {
    const app = makeApp(engine);
    return new OpenAI({
      baseURL: "http://localhost/v1",
      apiKey: "x",
      maxRetries: 0,
      fetch: (url: string | URL | Request, init?: RequestInit) => app.handle(new Request(url, init)),
    });
  };

  test("non-streamed completion", async () => {
    const c = await client(new ScriptedEngine()).chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(c.choices[0]!.message.content).toBe("Hello");
    expect(c.usage?.total_tokens).toBe(7);
  });

  test("streamed completion accumulates content and usage", async () => {
    const stream = await client(new ScriptedEngine()).chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let total: number | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) total = chunk.usage.total_tokens;
    }
    expect(content).toBe("Hello");
    expect(finish).toBe("stop");
    expect(total).toBe(7);
  });

  test("the stream helper assembles the final completion", async () => {
    const runner = client(new ScriptedEngine()).chat.completions.stream({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Hello");
    expect(final.usage?.completion_tokens).toBe(2);
  });

  test("SDK errors carry status, code and param", async () => {
    const sdk = client(new ScriptedEngine());
    const err = await sdk.chat.completions
      .create({ model: "nope", messages: [{ role: "user", content: "Hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_found");
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe("model");
  });

  test("an error frame mid-stream throws in the SDK", async () => {
    const engine = new ScriptedEngine([
      { type: "start", promptTokens: 1 },
      { type: "text", text: "a" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "The runner stopped." } },
    ]);
    const stream = await client(engine).chat.completions.create({
      model: "test-model",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain("The runner stopped.");
  });
});

describe("OpenAPI document", () => {
  test("documents the routes with the request schema", async () => {
    const app = new Elysia().use(openapi()).use(openaiRoutes(new ScriptedEngine()));
    const doc = (await (await app.handle(new Request("http://localhost/openapi/json"))).json()) as any;
    const op = doc.paths["/v1/chat/completions"].post;
    expect(op.tags).toContain("OpenAI");
    const schema = op.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["model", "messages"]));
    expect(schema.properties.temperature.description).toBeTruthy();
  });
});
