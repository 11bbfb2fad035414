// Tools, structured output and reasoning end to end, on generated models with the real
// tokenizers and templates of their families. Random weights say nothing useful on their own,
// so these tests use what the server enforces: tool_choice and response_format grammars.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv from "ajv";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { validate } from "../chat/grammar/validate.ts";
import {
  TINY_DEEPSEEK_R1,
  TINY_GPT_OSS,
  TINY_LLAMA3,
  TINY_MISTRAL_NEMO,
  TINY_MISTRAL_SMALL,
  TINY_QWEN3,
  TINY_QWEN3_CODER,
} from "../support/generated.ts";
import { STORIES_260K } from "../support/models.ts";
import { readSse, startTestServer, type TestServer } from "../support/server.ts";

const weatherSchema = {
  type: "object",
  properties: { location: { type: "string", maxLength: 24 }, days: { type: "integer", minimum: 1, maximum: 14 } },
  required: ["location", "days"],
  additionalProperties: false,
};
const tools = [
  { type: "function" as const, function: { name: "get_weather", description: "Weather forecast", parameters: weatherSchema } },
  { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] } }, required: ["zone"] } } },
];
const messages = [{ role: "user" as const, content: "What is the weather in Tokyo?" }];
// Minimal reasoning: thinking families get a short budget before a forced call.
const sampling = { temperature: 0.7, max_tokens: 300, seed: 7, reasoning_effort: "minimal" as const };

const ajv = new Ajv();

function expectValidCall(call: any) {
  expect(call.type).toBe("function");
  // Mistral's templates demand 9 alphanumerics; everyone else gets call_ + 24.
  expect(call.id).toMatch(/^(call_[A-Za-z0-9]{24}|[A-Za-z0-9]{9})$/);
  const args = JSON.parse(call.function.arguments);
  const tool = tools.find((t) => t.function.name === call.function.name);
  expect(tool).toBeDefined();
  expect(ajv.validate(tool!.function.parameters, args)).toBe(true);
}

/** What each family's call markup starts with: none of it may reach `content`. */
const MARKUP = {
  generic: ['{"tool_calls"', '{"tool_call"'],
  hermes: ["<tool_call>", "</tool_call>"],
  llama3: ["<|python_tag|>", '{"name"', '"parameters"'],
  qwen3Coder: ["<tool_call>", "<function=", "<parameter="],
  mistral: ["[TOOL_CALLS]", "[ARGS]", "[CALL_ID]"],
  deepseek: ["<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>"],
  gptOss: ["<|channel|>", "<|call|>", "to=functions"],
};

describe.each([
  ["a template-less base model (generic JSON envelope)", STORIES_260K, MARKUP.generic],
  ["Qwen2.5 (hermes <tool_call>)", TINY_QWEN, MARKUP.hermes],
  ["Llama 3.3 (JSON call)", TINY_LLAMA3, MARKUP.llama3],
  ["Qwen3-Coder (XML parameters)", TINY_QWEN3_CODER, MARKUP.qwen3Coder],
  ["Mistral Nemo ([TOOL_CALLS] JSON list)", TINY_MISTRAL_NEMO, MARKUP.mistral],
  ["Mistral Small 3.2 ([TOOL_CALLS]name[ARGS])", TINY_MISTRAL_SMALL, MARKUP.mistral],
  ["DeepSeek R1 (tool call blocks)", TINY_DEEPSEEK_R1, MARKUP.deepseek],
  ["gpt-oss (harmony channels)", TINY_GPT_OSS, MARKUP.gptOss],
] as const)("forced tool calls: %s", (_family, spec, markup) => {
  const expectNoMarkup = (content: string | null | undefined) => {
    for (const marker of markup) expect({ marker, leaked: (content ?? "").includes(marker) }).toEqual({ marker, leaked: false });
  };
  let server: TestServer;
  beforeAll(async () => {
    const path = typeof spec === "string" ? spec : await generateModel(spec);
    server = await startTestServer(path, { contextSize: 4096 });
  });
  afterAll(() => server.close());

  test("tool_choice required always yields a call with valid arguments", async () => {
    for (const seed of [1, 2, 3]) {
      // Room for the most calls a turn may hold, even at one character a token.
      const completion = await server.openai.chat.completions.create({ model: server.modelId, messages, tools, tool_choice: "required", ...sampling, seed, max_tokens: 900 });
      const choice = completion.choices[0]!;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls!.length).toBeGreaterThanOrEqual(1);
      for (const call of choice.message.tool_calls!) expectValidCall(call);
      expectNoMarkup(choice.message.content);
    }
  });

  test("a named tool_choice calls exactly that function", async () => {
    const completion = await server.openai.chat.completions.create({
      model: server.modelId, messages, tools, tool_choice: { type: "function", function: { name: "get_time" } }, ...sampling,
    });
    const calls = completion.choices[0]!.message.tool_calls!;
    expect(calls.length).toBe(1);
    expect((calls[0] as any).function.name).toBe("get_time");
    expectValidCall(calls[0]);
  });

  test("streamed: the SDK accumulates the call; the first delta carries id, type, name and empty arguments", async () => {
    const single = { parallel_tool_calls: false };
    const response = await server.post("/v1/chat/completions", { model: server.modelId, messages, tools, tool_choice: "required", ...sampling, ...single, stream: true });
    const chunks = (await readSse(response)).slice(0, -1) as any[];
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { arguments: "" } });
    expect(deltas[0].id).toMatch(/^(call_|[A-Za-z0-9]{9}$)/);
    expect(typeof deltas[0].function.name).toBe("string");
    for (const later of deltas.slice(1)) expect(later.id === undefined || later.function.arguments === "").toBe(true);
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expectNoMarkup(content);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("tool_calls");

    const runner = server.openai.chat.completions.stream({ model: server.modelId, messages, tools, tool_choice: "required", ...sampling, ...single });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    for (const call of final.choices[0]!.message.tool_calls!) expectValidCall(call);
  });

  test("tool_choice auto answers freely; whatever it writes, call markup never reaches content", async () => {
    for (const seed of [1, 2]) {
      const completion = await server.openai.chat.completions.create({ model: server.modelId, messages, tools, ...sampling, max_tokens: 40, seed });
      const choice = completion.choices[0]!;
      expect(["stop", "length", "tool_calls"]).toContain(choice.finish_reason);
      expectNoMarkup(choice.message.content);
      for (const call of choice.message.tool_calls ?? []) expectValidCall(call);
    }
  });

  test("tool calls and tool results round-trip through the template", async () => {
    const first = await server.openai.chat.completions.create({ model: server.modelId, messages, tools, tool_choice: "required", ...sampling });
    const call = first.choices[0]!.message.tool_calls![0]! as any;
    const response = await server.post("/v1/chat/completions", {
      model: server.modelId,
      tools,
      return_prompt: true,
      max_tokens: 1,
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"forecast":"sunny"}' },
      ],
    });
    expect(response.status).toBe(200);
    const prompt = ((await response.json()) as any).prompt as string;
    expect(prompt).toContain(call.function.name);
    expect(prompt).toContain("sunny");
  });
});

describe("structured output", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await generateModel(TINY_QWEN), { contextSize: 4096 });
  });
  afterAll(() => server.close());

  const schema = {
    type: "object",
    properties: {
      name: { type: "string", minLength: 1, maxLength: 12 },
      tags: { type: "array", items: { type: "string", enum: ["a", "b", "c"] }, minItems: 1, maxItems: 3 },
      score: { type: "integer", minimum: 0, maximum: 100 },
    },
    required: ["name", "tags", "score"],
    additionalProperties: false,
  };

  test("json_schema answers always parse and validate (ajv)", async () => {
    const check = new Ajv({ strict: true }).compile(schema);
    for (const seed of [1, 2, 3, 4]) {
      const completion = await server.openai.chat.completions.create({
        model: server.modelId, messages, temperature: 1, seed, max_tokens: 300,
        response_format: { type: "json_schema", json_schema: { name: "record", schema, strict: true } },
      });
      expect(completion.choices[0]!.finish_reason).toBe("stop");
      const answer = JSON.parse(completion.choices[0]!.message.content!);
      expect(check(answer)).toBe(true);
      expect(validate(answer, schema as any)).toEqual([]);
    }
  });

  test("an unsupported schema keyword is a 400 that names it", async () => {
    const response = await server.post("/v1/chat/completions", {
      model: server.modelId, messages,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", not: { required: ["a"] } } } },
    });
    expect(response.status).toBe(400);
    const error = ((await response.json()) as any).error;
    expect(error.message).toContain('"not"');
    expect(error.param).toBe("response_format.json_schema.schema");
  });
});

describe("reasoning with Qwen3's template", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await generateModel(TINY_QWEN3), { contextSize: 4096 });
  });
  afterAll(() => server.close());

  test("enable_thinking false reaches the template (it writes an empty think block)", async () => {
    const body = (extra: object) => server.post("/v1/chat/completions", { model: server.modelId, messages, max_tokens: 1, return_prompt: true, ...extra });
    const off = ((await (await body({ enable_thinking: "false" })).json()) as any).prompt as string;
    const on = ((await (await body({ enable_thinking: true })).json()) as any).prompt as string;
    expect(off).toEndWith("<think>\n\n</think>\n\n");
    expect(on).not.toContain("<think>");
  });

  test("thinking before a forced call goes to reasoning, never content, and is counted", async () => {
    // The grammar lets the model think first or call at once; find seeds where it thinks. One call
    // a turn: parallel calls of a random-weight model could use up max_tokens (seed 3 made four).
    let thought = 0;
    for (let seed = 1; seed <= 12 && thought < 2; seed++) {
      const completion = (await (await server.post("/v1/chat/completions", {
        model: server.modelId, messages, tools, tool_choice: "required", parallel_tool_calls: false, temperature: 1, seed, max_tokens: 200,
        reasoning_effort: "minimal",
      })).json()) as any;
      const message = completion.choices[0].message;
      expect(message.content ?? "").not.toContain("think>");
      expect(completion.choices[0].finish_reason).toBe("tool_calls");
      if (message.reasoning) {
        thought++;
        expect(completion.usage.reasoning_tokens).toBeGreaterThan(0);
        expect(completion.usage.completion_tokens_details.reasoning_tokens).toBe(completion.usage.reasoning_tokens);
      }
    }
    expect(thought).toBeGreaterThan(0);
  });
});
