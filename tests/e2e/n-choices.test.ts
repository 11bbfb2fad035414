// Chat Completions with n > 1 end to end: real runner processes, libllama and real models, read
// through the official openai SDK. Choice i samples with seed+i, so each choice must be exactly
// what a single request with that seed answers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Ajv from "ajv";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const messages = [{ role: "user" as const, content: "Once upon a time" }];

describe("stories260K, three sequences", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(STORIES_260K, { parallel: 3 });
  });
  afterAll(() => server.close());

  // Sampled, not greedy: the choices differ, and only the seeds tell them apart.
  const sampled = { model: "stories260K", messages, temperature: 1, top_k: 0, top_p: 1, max_tokens: 16, seed: 1234 };

  test("n = 3: each choice is what a single request with seed+i answers; usage counts the prompt once", async () => {
    const completion = await server.openai.chat.completions.create({ ...sampled, n: 3 });
    expect(completion.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const singles = [];
    for (const i of [0, 1, 2]) singles.push(await server.openai.chat.completions.create({ ...sampled, seed: sampled.seed + i }));
    expect(completion.choices.map((c) => c.message.content)).toEqual(singles.map((s) => s.choices[0]!.message.content));
    expect(completion.choices.map((c) => c.finish_reason)).toEqual(singles.map((s) => s.choices[0]!.finish_reason));
    // Different seeds: at least two of the three differ (all equal would mean one sampler for all).
    expect(new Set(completion.choices.map((c) => c.message.content)).size).toBeGreaterThan(1);
    expect(completion.usage!.prompt_tokens).toBe(singles[0]!.usage!.prompt_tokens);
    expect(completion.usage!.completion_tokens).toBe(singles.reduce((n, s) => n + s.usage!.completion_tokens, 0));
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    // The job's listener was let go after its last choice, not its first.
    expect(server.engine.pendingRequests()).toBe(0);
  });

  test("streamed n = 3: chunks say their choice, each choice has its role and finish chunk, usage comes once", async () => {
    const plain = await server.openai.chat.completions.create({ ...sampled, n: 3 });
    const stream = await server.openai.chat.completions.create({ ...sampled, n: 3, stream: true, stream_options: { include_usage: true } });
    const texts = ["", "", ""];
    const roles = [0, 0, 0];
    const finishes: (string | null)[][] = [[], [], []];
    const usages = [];
    for await (const chunk of stream) {
      if (chunk.usage) usages.push(chunk.usage);
      if (chunk.choices.length === 0) continue;
      expect(chunk.choices).toHaveLength(1);
      const { index, delta, finish_reason } = chunk.choices[0]!;
      texts[index] += delta.content ?? "";
      if (delta.role) roles[index]!++;
      if (finish_reason) finishes[index]!.push(finish_reason);
    }
    expect(texts).toEqual(plain.choices.map((c) => c.message.content!));
    expect(roles).toEqual([1, 1, 1]);
    expect(finishes).toEqual(plain.choices.map((c) => [c.finish_reason]));
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ prompt_tokens: plain.usage!.prompt_tokens, completion_tokens: plain.usage!.completion_tokens });
  });

  test("the SDK's stream helper builds all three choices", async () => {
    const plain = await server.openai.chat.completions.create({ ...sampled, n: 3, max_tokens: 6 });
    const final = await server.openai.chat.completions.stream({ ...sampled, n: 3, max_tokens: 6 }).finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual(plain.choices.map((c) => [c.index, c.message.content, c.finish_reason]));
  });

  test("logprobs per choice: one entry per generated token of that choice, spelling its content", async () => {
    const completion = await server.openai.chat.completions.create({ ...sampled, n: 2, max_tokens: 8, logprobs: true, top_logprobs: 2 });
    for (const choice of completion.choices) {
      const tokens = choice.logprobs!.content!;
      expect(tokens).toHaveLength(8);
      expect(tokens.map((t) => t.token).join("")).toBe(choice.message.content!);
      for (const token of tokens) expect(token.top_logprobs).toHaveLength(2);
    }
  });

  test("more choices than --parallel is a 400 naming n", async () => {
    const failure = await server.openai.chat.completions.create({ ...sampled, n: 4 }).catch((e) => e);
    expect(failure.status).toBe(400);
    expect(failure.error.param).toBe("n");
    expect(failure.error.message).toContain("--parallel");
  });

  test("a client that disconnects cancels every choice: the next request needing all three sequences runs", async () => {
    const controller = new AbortController();
    const stream = await server.openai.chat.completions.create({ ...sampled, n: 3, max_tokens: 1000, stream: true }, { signal: controller.signal });
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    // Would wait forever for three free sequences if a cancelled choice kept its own.
    const next = await server.openai.chat.completions.create({ ...sampled, n: 3, max_tokens: 4 });
    expect(next.choices).toHaveLength(3);
    expect(server.engine.pendingRequests()).toBe(0);
  });
});

describe("tools and structured output per choice (generated Qwen model)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await generateModel(TINY_QWEN), { contextSize: 4096, parallel: 2 });
  });
  afterAll(() => server.close());

  const weatherSchema = {
    type: "object",
    properties: { location: { type: "string", maxLength: 24 }, days: { type: "integer", minimum: 1, maximum: 14 } },
    required: ["location", "days"],
    additionalProperties: false,
  };
  const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: weatherSchema } }];
  const ajv = new Ajv();

  test("tool_choice required: every choice calls, with valid arguments and ids unique across choices", async () => {
    const completion = await server.openai.chat.completions.create({
      model: server.modelId, messages, tools, tool_choice: "required", parallel_tool_calls: false, temperature: 0.7, seed: 3, max_tokens: 300, n: 2,
    });
    expect(completion.choices).toHaveLength(2);
    const ids: string[] = [];
    for (const choice of completion.choices) {
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content ?? "").not.toContain("<tool_call>");
      for (const call of choice.message.tool_calls! as any[]) {
        expect(call.function.name).toBe("get_weather");
        expect(ajv.validate(weatherSchema, JSON.parse(call.function.arguments))).toBe(true);
        ids.push(call.id);
      }
    }
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("response_format json_schema: every choice's content parses and validates", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string", minLength: 1, maxLength: 12 }, score: { type: "integer", minimum: 0, maximum: 100 } },
      required: ["name", "score"],
      additionalProperties: false,
    };
    const completion = await server.openai.chat.completions.create({
      model: server.modelId, messages, temperature: 1, seed: 5, max_tokens: 200, n: 2,
      response_format: { type: "json_schema", json_schema: { name: "record", schema, strict: true } },
    });
    const check = ajv.compile(schema);
    for (const choice of completion.choices) {
      expect(choice.finish_reason).toBe("stop");
      expect(check(JSON.parse(choice.message.content!))).toBe(true);
    }
  });
});
