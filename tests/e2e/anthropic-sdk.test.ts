// The official @anthropic-ai/sdk against the real server on generated models: plain messages, the
// raw stream and the stream helper's final message, forced tool use and a tool result in the next
// turn, stop_sequences, count_tokens, errors, and a thinking budget that ends the reasoning.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import Ajv from "ajv";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { TINY_DEEPSEEK_R1 } from "../support/generated.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const weather = {
  name: "get_weather",
  description: "Weather forecast for a city",
  input_schema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object" as const,
    properties: {
      city: { type: "string", maxLength: 12 },
      days: { type: "integer", minimum: 1, maximum: 7 },
      // The grammar cannot enforce multipleOf: relaxed to a plain integer, never a 400.
      hours: { type: "integer", multipleOf: 3 },
    },
    required: ["city", "days"],
    additionalProperties: false,
  },
};
/** What a client checks after generation, less the keyword the grammar relaxed. */
const enforced = { ...weather.input_schema, $schema: undefined, properties: { ...weather.input_schema.properties, hours: { type: "integer" } } };
const ask = [{ role: "user" as const, content: "What is the weather in Oslo?" }];
// The llama.cpp sampling extensions ride along in the body (the SDK passes unknown fields on).
const seeded = (seed: number) => ({ seed, top_k: 40 }) as object;

const ajv = new Ajv({ strict: false, validateFormats: false });
const validInput = (input: unknown) => ajv.validate(enforced, input);

function client(server: TestServer) {
  return new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
}

describe("Qwen2.5 template", () => {
  let server: TestServer;
  let anthropic: Anthropic;
  beforeAll(async () => {
    server = await startTestServer(await generateModel(TINY_QWEN), { contextSize: 4096 });
    anthropic = client(server);
  });
  afterAll(() => server.close());

  test("messages.create: a text block, the token limit, usage that count_tokens agrees with", async () => {
    const params = { model: server.modelId, max_tokens: 8, system: "Be brief.", messages: ask };
    const message = await anthropic.messages.create({ ...params, ...seeded(1) });
    expect(message.id).toMatch(/^msg_/);
    expect(message.role).toBe("assistant");
    expect(message.model).toBe(server.modelId);
    expect(message.content.map((b) => b.type)).toEqual(["text"]);
    expect(message.stop_reason).toBe("max_tokens");
    expect(message.usage.output_tokens).toBe(8);
    const counted = await anthropic.messages.countTokens({ model: server.modelId, system: "Be brief.", messages: ask });
    expect(counted.input_tokens).toBe(message.usage.input_tokens + message.usage.cache_read_input_tokens!);
    expect(message._request_id).toMatch(/^req_/);
  });

  test("streaming: raw events and the stream helper's final message agree", async () => {
    const params = { model: server.modelId, max_tokens: 12, messages: ask, ...seeded(2) };
    const raw = await anthropic.messages.create({ ...params, stream: true });
    const types: string[] = [];
    let text = "";
    for await (const event of raw) {
      types.push(event.type);
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    }
    expect(types[0]).toBe("message_start");
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);

    const stream = anthropic.messages.stream(params);
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("max_tokens");
    expect(final.usage.output_tokens).toBe(12);
    const finalText = final.content.filter((b) => b.type === "text").map((b) => (b as Anthropic.TextBlock).text).join("");
    expect(finalText).toBe(deltas.join(""));
    // Same seed, same prompt: the same answer streamed or not.
    expect(finalText).toBe(text);
  });

  test("tool_choice any forces a valid tool_use; its result is read in the next turn", async () => {
    const message = await anthropic.messages.create({
      model: server.modelId,
      max_tokens: 120,
      messages: ask,
      tools: [weather],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      ...seeded(3),
    });
    expect(message.stop_reason).toBe("tool_use");
    const calls = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.id).toMatch(/^toolu_[A-Za-z0-9]{24}$/);
    expect(calls[0]!.name).toBe("get_weather");
    expect(validInput(calls[0]!.input)).toBe(true);

    const turn = (result: string): Anthropic.MessageParam[] => [
      ...ask,
      { role: "assistant", content: message.content as Anthropic.ContentBlockParam[] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: calls[0]!.id, content: result }] },
    ];
    const next = await anthropic.messages.create({ model: server.modelId, max_tokens: 4, messages: turn("Sunny, 21 degrees, light wind from the west."), tools: [weather] });
    expect(["end_turn", "max_tokens", "tool_use"]).toContain(next.stop_reason!);
    // The result reaches the rendered prompt: a longer result counts more tokens.
    const count = async (result: string) => (await anthropic.messages.countTokens({ model: server.modelId, messages: turn(result), tools: [weather] })).input_tokens;
    expect(await count("Sunny, 21 degrees, light wind from the west.")).toBeGreaterThan(await count(""));
  });

  test("tool_choice tool, streamed through the helper: the final message carries the parsed input", async () => {
    const stream = anthropic.messages.stream({
      model: server.modelId,
      max_tokens: 120,
      messages: ask,
      tools: [weather],
      tool_choice: { type: "tool", name: "get_weather" },
      ...seeded(4),
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    const call = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
    expect(call.name).toBe("get_weather");
    expect(validInput(call.input)).toBe(true);
  });

  test("stop_sequences end the answer and are named in the message", async () => {
    const stops = ["e", "a", "o", " "];
    const message = await anthropic.messages.create({ model: server.modelId, max_tokens: 60, messages: ask, stop_sequences: stops, ...seeded(5) });
    expect(message.stop_reason).toBe("stop_sequence");
    expect(stops).toContain(message.stop_sequence!);
    const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    for (const stop of stops) expect(text).not.toContain(stop);
  });

  test("errors: the SDK gets the status and Anthropic's error body", async () => {
    const missing = await anthropic.messages.create({ model: "claude-opus-5-5", max_tokens: 4, messages: ask }).catch((e) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.error.error.type).toBe("not_found_error");
    expect(missing.error.error.message).toContain(server.modelId);
    const image = { type: "image" as const, source: { type: "url" as const, url: "https://example.com/a.png" } };
    const vision = await anthropic.messages.create({ model: server.modelId, max_tokens: 4, messages: [{ role: "user", content: [image] }] }).catch((e) => e);
    expect(vision).toBeInstanceOf(Anthropic.BadRequestError);
    expect(vision.error.error.message).toContain("no vision");
  });

  test("max_tokens beyond the context is clamped, not refused (Claude Code sends 128000)", async () => {
    // Streamed: the SDK itself refuses so large a max_tokens without streaming.
    const stream = anthropic.messages.stream({ model: server.modelId, max_tokens: 128000, messages: ask, stop_sequences: [" "], ...seeded(6) });
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("stop_sequence");
  });
});

describe("DeepSeek R1 template (the prompt opens <think>)", () => {
  let server: TestServer;
  let anthropic: Anthropic;
  beforeAll(async () => {
    server = await startTestServer(await generateModel(TINY_DEEPSEEK_R1), { contextSize: 2048 });
    anthropic = client(server);
  });
  afterAll(() => server.close());

  test("budget_tokens closes the thinking block, the answer follows, and the signed block is accepted back", async () => {
    // Random weights never close </think> by themselves: only the budget ends the reasoning.
    const params = { model: server.modelId, max_tokens: 40, messages: ask, thinking: { type: "enabled" as const, budget_tokens: 6 }, ...seeded(7) };
    const message = await anthropic.messages.create(params);
    expect(message.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    const thinking = message.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.thinking.length).toBeGreaterThan(0);
    expect(thinking.signature.length).toBeGreaterThan(0);

    const stream = anthropic.messages.stream({ ...params, thinking: { type: "enabled", budget_tokens: 6, display: "omitted" } } as Anthropic.MessageStreamParams);
    const final = await stream.finalMessage();
    const omitted = final.content[0] as Anthropic.ThinkingBlock;
    expect(omitted.type).toBe("thinking");
    expect(omitted.thinking).toBe("");
    expect(omitted.signature.length).toBeGreaterThan(0);

    const next = await anthropic.messages.create({
      ...params,
      max_tokens: 2,
      messages: [...ask, { role: "assistant", content: final.content as Anthropic.ContentBlockParam[] }, { role: "user", content: "Why?" }],
    });
    expect(next.type).toBe("message");
  });

  test("without a budget the same request thinks until max_tokens", async () => {
    const message = await anthropic.messages.create({ model: server.modelId, max_tokens: 20, messages: ask, thinking: { type: "adaptive" }, ...seeded(7) });
    expect(message.content.map((b) => b.type)).toEqual(["thinking"]);
    expect(message.stop_reason).toBe("max_tokens");
  });
});
