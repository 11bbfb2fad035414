// The official openai SDK's Responses client against the real server and engine, on a generated
// Qwen2.5 model (random weights: answers run to max_output_tokens, so tool calls are forced with
// tool_choice, which the grammar enforces).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type OpenAI from "openai";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(await generateModel(TINY_QWEN));
});
afterAll(() => server.close());

const base = () => ({ model: server.modelId, temperature: 0, seed: 1, max_output_tokens: 12 });
const weather: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Weather forecast",
  strict: true,
  parameters: { type: "object", properties: { city: { type: "string", maxLength: 16 } }, required: ["city"], additionalProperties: false },
};

/** The text of a response's message items (the stream helper does not add output_text). */
const messageText = (response: OpenAI.Responses.Response) =>
  response.output
    .flatMap((item) => (item.type === "message" ? item.content : []))
    .map((part) => (part.type === "output_text" ? part.text : ""))
    .join("");

describe("openai SDK responses", () => {
  test("responses.create without streaming: text, the token limit as incomplete, usage", async () => {
    const response = await server.openai.responses.create({ ...base(), input: "Hello there", instructions: "Answer briefly." });
    expect(response.id).toStartWith("resp_");
    expect(response.object).toBe("response");
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.status).toBe("incomplete");
    expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(response.usage!.output_tokens).toBe(12);
    expect(response.usage!.input_tokens).toBeGreaterThan(5);
    expect(response.usage!.total_tokens).toBe(response.usage!.input_tokens + 12);
  });

  test("responses.create streamed: ordered events whose deltas add up to the final text", async () => {
    const stream = await server.openai.responses.create({ ...base(), input: "Hello there", stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    let text = "";
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.incomplete" || event.type === "response.completed") final = event.response;
    }
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.at(-1)).toBe("response.incomplete");
    expect(sequence).toEqual(sequence.map((_, i) => i));
    expect(messageText(final!)).toBe(text);
    expect(text.length).toBeGreaterThan(0);
  });

  test("responses.stream(...).finalResponse() accumulates the same response the server stored", async () => {
    const runner = server.openai.responses.stream({ ...base(), input: "Tell me a story" });
    const deltas: string[] = [];
    runner.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await runner.finalResponse();
    expect(messageText(final)).toBe(deltas.join(""));
    const stored = await server.openai.responses.retrieve(final.id);
    expect(stored.output.map((item) => item.id)).toEqual(final.output.map((item) => item.id));
    expect(messageText(stored)).toBe(messageText(final));
    const items = await server.openai.responses.inputItems.list(final.id);
    expect(items.data.map((i) => i.type)).toEqual(["message"]);
    await server.openai.responses.delete(final.id);
    const gone = await server.openai.responses.retrieve(final.id).catch((e) => e);
    expect(gone.status).toBe(404);
  });

  test("a forced function call, then its output in the next turn through previous_response_id", async () => {
    const first = await server.openai.responses.create({
      ...base(),
      max_output_tokens: 80,
      input: "What is the weather in Paris?",
      tools: [weather, { type: "web_search" }],
      tool_choice: { type: "function", name: "get_weather" },
    });
    expect(first.status).toBe("completed");
    const call = first.output.find((item) => item.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call.name).toBe("get_weather");
    expect(call.call_id).toMatch(/^call_/);
    expect(call.id).toMatch(/^fc_/);
    expect(typeof JSON.parse(call.arguments).city).toBe("string");

    const second = await server.openai.responses.create({
      ...base(),
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"forecast":"sunny"}' }],
      tools: [weather],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text.length).toBeGreaterThan(0);
    // The second prompt holds the first turn, the call and its result.
    expect(second.usage!.input_tokens).toBeGreaterThan(first.usage!.input_tokens);
  });

  test("a forced call streamed through the stream helper; a custom tool returns freeform input", async () => {
    const runner = server.openai.responses.stream({
      ...base(),
      max_output_tokens: 80,
      input: "Weather?",
      tools: [weather],
      tool_choice: "required",
    });
    const argDeltas: string[] = [];
    runner.on("response.function_call_arguments.delta", (e) => argDeltas.push(e.delta));
    const final = await runner.finalResponse();
    const call = final.output.find((item) => item.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
    expect(call.arguments).toBe(argDeltas.join(""));
    expect(JSON.parse(call.arguments)).toHaveProperty("city");

    const custom = await server.openai.responses.create({
      ...base(),
      max_output_tokens: 60,
      input: "Count",
      tools: [{ type: "custom", name: "digits", format: { type: "grammar", syntax: "regex", definition: "[0-9]{1,6}" } }],
      tool_choice: { type: "custom", name: "digits" },
    });
    const customCall = custom.output.find((item) => item.type === "custom_tool_call") as OpenAI.Responses.ResponseCustomToolCall;
    expect(customCall.name).toBe("digits");
    expect(customCall.input).toMatch(/^[0-9]{1,6}$/);
  });

  test("input_tokens counts without generating; errors carry OpenAI's body", async () => {
    const counted = await server.openai.responses.inputTokens.count({ model: server.modelId, input: "Hello there", instructions: "Answer briefly." });
    expect(counted.input_tokens).toBeGreaterThan(5);
    const failure = await server.openai.responses.create({ ...base(), model: "missing", input: "x" }).catch((e) => e);
    expect(failure.status).toBe(404);
    expect(failure.error.param).toBe("model");
  });
});
