// HTTP shaping of the Anthropic Messages routes, in process through app.handle(). ScriptedEngine
// replays fixed GenerateEvents: the protocol layer only (the real engine: tests/e2e/anthropic-*).
import { describe, expect, spyOn, test } from "bun:test";
import { Elysia } from "elysia";
import { anthropicRoutes } from "../../api/anthropic/routes.ts";
import type { Engine, GenerateEvent } from "../../core/index.ts";
import { HELLO, ScriptedEngine, usage } from "../support/scriptedEngine.ts";

const makeApp = (engine: Engine, options: Parameters<typeof anthropicRoutes>[1] = {}) => new Elysia().use(anthropicRoutes(engine, options));

const post = (app: { handle(r: Request): Promise<Response> }, body: unknown, path = "/v1/messages", headers: Record<string, string> = {}) =>
  app.handle(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );

const message = (extra: Record<string, unknown> = {}) => ({
  model: "test-model",
  max_tokens: 64,
  messages: [{ role: "user", content: "Hi" }],
  ...extra,
});

/** [event, data] of each SSE frame; every frame must carry an event line matching its type. */
async function sseEvents(res: Response): Promise<any[]> {
  const frames = (await res.text()).split("\n\n").filter(Boolean);
  return frames.map((frame) => {
    const [eventLine, dataLine] = frame.split("\n");
    expect(eventLine).toStartWith("event: ");
    expect(dataLine).toStartWith("data: ");
    const data = JSON.parse(dataLine!.slice(6));
    expect(eventLine!.slice(7)).toBe(data.type);
    return data;
  });
}

const expectRequestId = (res: Response) => {
  expect(res.headers.get("request-id")).toMatch(/^req_[0-9a-f]{32}$/);
  expect(res.headers.get("anthropic-request-id")).toBe(res.headers.get("request-id"));
};

const expectAnthropicError = async (res: Response, status: number, type: string, messagePart?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  expectRequestId(res);
  const body = (await res.json()) as any;
  expect(Object.keys(body).sort()).toEqual(["error", "type"]);
  expect(body.type).toBe("error");
  expect(Object.keys(body.error).sort()).toEqual(["message", "type"]);
  expect(body.error.type).toBe(type);
  if (messagePart) expect(body.error.message).toContain(messagePart);
  return body.error as { type: string; message: string };
};

describe("POST /v1/messages", () => {
  test("a message, with Claude Code's query and headers accepted", async () => {
    const engine = new ScriptedEngine();
    const res = await post(makeApp(engine), message({ stop_sequences: ["x"], unknown_field: 1 }), "/v1/messages?beta=true", {
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
      "x-api-key": "anything",
    });
    expect(res.status).toBe(200);
    expectRequestId(res);
    const body = (await res.json()) as any;
    expect(body.id).toMatch(/^msg_[0-9A-Za-z]{24}$/);
    expect(body).toEqual({
      id: body.id,
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "Hello" }],
      model: "test-model",
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    expect(engine.requests[0]!.stop).toEqual(["x"]);
    expect(engine.requests[0]!.toolCallIdPrefix).toBe("toolu_");
    expect(engine.closed).toBe(true);
  });

  test("blocks reach the engine intact through Elysia's body normalization", async () => {
    const engine = new ScriptedEngine();
    const messages = [
      { role: "user", content: [{ type: "text", text: "read", cache_control: { type: "ephemeral" } }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "/a", opts: { n: [1, 2] } } }] },
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "42" }, { type: "tool_reference", tool_name: "Read" }], is_error: true }],
      },
    ];
    const tools = [{ name: "Read", input_schema: { type: "object" } }];
    const res = await post(makeApp(engine), message({ messages, tools, system: [{ type: "text", text: "S" }] }));
    expect(res.status).toBe(200);
    expect(engine.requests[0]!.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "S" }] },
      { role: "user", content: [{ type: "text", text: "read" }] },
      { role: "assistant", content: [], toolCalls: [{ id: "toolu_1", name: "Read", arguments: '{"file_path":"/a","opts":{"n":[1,2]}}' }] },
      { role: "tool", content: [{ type: "text", text: "42" }, { type: "text", text: "Tool available: Read" }], toolCallId: "toolu_1", isError: true },
    ]);
  });

  test("a stream: event lines, Anthropic's order, and the request id", async () => {
    const engine = new ScriptedEngine();
    const res = await post(makeApp(engine), message({ stream: true }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    expectRequestId(res);
    const events = await sseEvents(res);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.filter((e) => e.type === "content_block_delta").map((e) => e.delta)).toEqual([
      { type: "text_delta", text: "Hel" },
      { type: "text_delta", text: "lo" },
    ]);
    expect(events[6]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  test("a tool call streams as a tool_use block with input_json_delta", async () => {
    const engine = new ScriptedEngine([
      { type: "start", promptTokens: 3 },
      { type: "tool_call_start", index: 0, id: "toolu_abc", name: "Read" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"file_path": "/a"}' },
      { type: "tool_call_end", index: 0 },
      { type: "done", finishReason: "tool_calls", usage },
    ]);
    const tools = [{ name: "Read", input_schema: { type: "object", properties: { file_path: { type: "string" } } } }];
    const events = await sseEvents(await post(makeApp(engine), message({ stream: true, tools, tool_choice: { type: "any" } })));
    expect(events[2]).toEqual({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_abc", name: "Read", input: {} } });
    expect(events[3]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"file_path": "/a"}' } });
    expect(events.at(-2).delta.stop_reason).toBe("tool_use");
    expect(engine.requests[0]!.toolChoice).toBe("required");
    expect(engine.requests[0]!.tools![0]!.relaxSchema).toBe(true);
  });

  test("thinking round trip: the signature of a streamed thinking block brings the reasoning back", async () => {
    const engine = new ScriptedEngine((req) =>
      req.messages.length === 1
        ? [{ type: "start", promptTokens: 3 }, { type: "reasoning", text: "Plan: answer." }, { type: "text", text: "Yes" }, { type: "done", finishReason: "eos", usage }]
        : HELLO,
    );
    const app = makeApp(engine);
    const thinking = { type: "adaptive", display: "omitted" };
    const events = await sseEvents(await post(app, message({ stream: true, thinking })));
    const start = events.find((e) => e.type === "content_block_start" && e.content_block.type === "thinking");
    expect(start.content_block.thinking).toBe("");
    expect(events.some((e) => e.delta?.type === "thinking_delta")).toBe(false);
    const signature = events.find((e) => e.delta?.type === "signature_delta").delta.signature;
    const messages = [
      { role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "thinking", thinking: "", signature }, { type: "text", text: "Yes" }] },
      { role: "user", content: "Why?" },
    ];
    expect((await post(app, message({ messages, thinking }))).status).toBe(200);
    expect(engine.requests[1]!.messages[1]!.reasoning).toBe("Plan: answer.");
    expect(engine.requests[1]!.reasoning).toEqual({ enabled: true, effort: "high" });
  });

  test("ping while the generation is silent", async () => {
    const engine = new ScriptedEngine(HELLO, { delayMs: 60 });
    const events = await sseEvents(await post(makeApp(engine, { pingEveryMs: 10 }), message({ stream: true })));
    const types = events.map((e) => e.type);
    // Besides the one after message_start, pings fill the silences, and only between events.
    expect(types.filter((t) => t === "ping").length).toBeGreaterThan(1);
    expect(types.filter((t) => t !== "ping")).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  test("an unknown model is a 404 in Anthropic's shape that lists what exists", async () => {
    const engine = new ScriptedEngine();
    const err = await expectAnthropicError(await post(makeApp(engine), message({ model: "claude-opus-5-5" })), 404, "not_found_error");
    expect(err.message).toContain("'claude-opus-5-5'");
    expect(err.message).toContain("'test-model'");
    expect(err.message).toContain("'org/other'");
    expect(engine.requests).toHaveLength(0);
  });

  test("validation errors are 400s naming the field", async () => {
    const app = makeApp(new ScriptedEngine());
    await expectAnthropicError(await post(app, { model: "test-model", messages: [{ role: "user", content: "Hi" }] }), 400, "invalid_request_error", "max_tokens");
    await expectAnthropicError(await post(app, message({ max_tokens: 0 })), 400, "invalid_request_error", "max_tokens");
    await expectAnthropicError(await post(app, message({ max_tokens: "5" })), 400, "invalid_request_error", "max_tokens");
    await expectAnthropicError(await post(app, message({ messages: "hi" })), 400, "invalid_request_error", "messages");
    await expectAnthropicError(await post(app, message({ messages: [] })), 400, "invalid_request_error", "messages");
    await expectAnthropicError(await post(app, message({ messages: [{ role: "robot", content: "x" }] })), 400, "invalid_request_error", "messages[0].role");
    await expectAnthropicError(await post(app, message({ temperature: -1 })), 400, "invalid_request_error", "temperature");
    await expectAnthropicError(await post(app, message({ thinking: { type: "sometimes" } })), 400, "invalid_request_error", "thinking.type");
    await expectAnthropicError(await post(app, message({ tool_choice: { type: "all" } })), 400, "invalid_request_error", "tool_choice.type");
    await expectAnthropicError(await post(app, message({ tools: [{ name: "bad name", input_schema: {} }] })), 400, "invalid_request_error", "tools[0].name");
    await expectAnthropicError(await post(app, "{not json"), 400, "invalid_request_error");
    await expectAnthropicError(await post(app, "[1]"), 400, "invalid_request_error");
  });

  test("semantic refusals keep the field in the message", async () => {
    const app = makeApp(new ScriptedEngine());
    const fileImage = { type: "image", source: { type: "file", file_id: "f" } };
    const file = await expectAnthropicError(await post(app, message({ messages: [{ role: "user", content: [fileImage] }] })), 400, "invalid_request_error");
    expect(file.message).toBe("messages[0].content[0].source.type: image source.type must be base64 or url (file sources are not supported).");
    await expectAnthropicError(await post(app, message({ tools: [{ type: "web_search_20250305", name: "web_search" }] })), 400, "invalid_request_error", "tools[0].type");
    await expectAnthropicError(
      await post(app, message({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] })),
      400,
      "invalid_request_error",
      "prefill",
    );
  });

  test("oversized bodies are 413 request_too_large", async () => {
    const app = makeApp(new ScriptedEngine(), { maxBodyBytes: 500 });
    const big = JSON.stringify(message({ system: "x".repeat(1000) }));
    await expectAnthropicError(await post(app, big, "/v1/messages", { "content-length": String(big.length) }), 413, "request_too_large");
  });

  test("errors before the first token choose the status: context 400, overloaded 529", async () => {
    const tooLong = new ScriptedEngine([{ type: "error", error: { kind: "context_exceeded", code: "context_length_exceeded", message: "Prompt too long.", param: "messages" } }]);
    await expectAnthropicError(await post(makeApp(tooLong), message({ stream: true })), 400, "invalid_request_error", "Prompt too long.");
    const busy = new ScriptedEngine([{ type: "error", error: { kind: "overloaded", code: "queue_full", message: "Too many requests queued." } }]);
    await expectAnthropicError(await post(makeApp(busy), message()), 529, "overloaded_error");
  });

  test("a failure after the stream began is an error event", async () => {
    const engine = new ScriptedEngine([
      { type: "start", promptTokens: 1 },
      { type: "text", text: "a" },
      { type: "error", error: { kind: "overloaded", code: "runner_crashed", message: "The runner stopped." } },
    ]);
    const res = await post(makeApp(engine), message({ stream: true }));
    expect(res.status).toBe(200);
    const events = await sseEvents(res);
    expect(events.at(-1)).toEqual({ type: "error", error: { type: "overloaded_error", message: "The runner stopped." } });
    expect(events.map((e) => e.type)).not.toContain("message_stop");
  });

  test("an exception in the engine is a generic 500 that leaks nothing", async () => {
    const log = spyOn(console, "error").mockImplementation(() => {});
    try {
      const err = await expectAnthropicError(await post(makeApp(new ScriptedEngine(HELLO, { throwAfter: 0 })), message()), 500, "api_error");
      expect(err.message).not.toContain("secret");
      const events = await sseEvents(await post(makeApp(new ScriptedEngine(HELLO, { throwAfter: 2 })), message({ stream: true })));
      expect(events.at(-1)).toEqual({ type: "error", error: { type: "api_error", message: "Internal server error." } });
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });
});

describe("POST /v1/messages/count_tokens", () => {
  test("counts the prompt without max_tokens", async () => {
    const engine = new ScriptedEngine();
    const res = await post(makeApp(engine), { model: "test-model", system: "Be brief.", messages: [{ role: "user", content: "one two three" }] }, "/v1/messages/count_tokens?beta=true");
    expect(res.status).toBe(200);
    expectRequestId(res);
    // The scripted engine counts words: 2 of the system prompt and 3 of the message.
    expect(await res.json()).toEqual({ input_tokens: 5 });
    expect(engine.requests[0]!.messages[0]).toEqual({ role: "system", content: [{ type: "text", text: "Be brief." }] });
  });

  test("errors name count_tokens' own fields, and an unknown model is a 404", async () => {
    const app = makeApp(new ScriptedEngine());
    const err = await expectAnthropicError(await post(app, { model: "test-model" }, "/v1/messages/count_tokens"), 400, "invalid_request_error");
    expect(err.message).toContain("messages");
    expect(err.message).not.toContain("max_tokens");
    await expectAnthropicError(
      await post(app, { model: "nope", messages: [{ role: "user", content: "a" }] }, "/v1/messages/count_tokens"),
      404,
      "not_found_error",
      "'test-model'",
    );
  });

  test("an engine failure keeps its status", async () => {
    const failing: Engine = {
      ...new ScriptedEngine(),
      listModels: () => [{ id: "m", created: 0, ownedBy: "x", status: "loaded", aliases: [] }],
      resolveModel: () => "m",
      loadModel: async () => ({ error: { kind: "internal", code: "unused", message: "unused" } }),
      unloadModel: async () => ({ error: { kind: "internal", code: "unused", message: "unused" } }),
      generate: async function* (): AsyncGenerator<GenerateEvent> {},
      countTokens: async () => ({ error: { kind: "invalid_request", code: "chat_template_error", message: "template failed", param: "messages" } }),
    };
    await expectAnthropicError(await post(makeApp(failing), { model: "m", messages: [{ role: "user", content: "a" }] }, "/v1/messages/count_tokens"), 400, "invalid_request_error", "template failed");
  });
});

describe("the OpenAPI document", () => {
  test("describes both routes under the Anthropic tag", async () => {
    const { createApp } = await import("../../server.ts");
    const res = await createApp(new ScriptedEngine()).handle(new Request("http://localhost/openapi/json"));
    const doc = (await res.json()) as any;
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain("Anthropic");
    const messages = doc.paths["/v1/messages"].post;
    expect(messages.tags).toContain("Anthropic");
    const schema = messages.requestBody.content["application/json"].schema;
    for (const field of ["model", "messages", "max_tokens", "system", "tools", "tool_choice", "thinking", "output_config", "stop_sequences", "top_k", "min_p"])
      expect(schema.properties[field]).toBeDefined();
    expect(doc.paths["/v1/messages/count_tokens"].post.tags).toContain("Anthropic");
  });
});
