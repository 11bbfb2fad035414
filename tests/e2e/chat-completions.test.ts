// /v1/chat/completions end to end: real runner processes, libllama, and a real model.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { readSse, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
const greedy = { temperature: 0, repeat_penalty: 1 };
const ask = (content: string) => [{ role: "user", content }];

beforeAll(async () => {
  server = await startTestServer(STORIES_260K);
});
afterAll(() => server.close());

async function complete(body: Record<string, unknown>) {
  const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: ask("Once upon a time"), ...body });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
}

describe("non-streamed completion", () => {
  test("has the OpenAI shape, counts tokens and stops at max_tokens", async () => {
    const result = await complete({ ...greedy, max_tokens: 12 });
    expect(result.object).toBe("chat.completion");
    expect(result.id).toStartWith("chatcmpl-");
    expect(result.model).toBe(server.modelId);
    const choice = result.choices[0];
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content.length).toBeGreaterThan(0);
    expect(choice.finish_reason).toBe("length");
    expect(result.usage.completion_tokens).toBe(12);
    expect(result.usage.output_tokens).toBe(12);
    expect(result.usage.reasoning_tokens).toBe(0);
    expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens + 12);
    expect(result.usage.tokens_per_second).toBeGreaterThan(0);
  });

  test("max_completion_tokens wins over max_tokens", async () => {
    const result = await complete({ ...greedy, max_tokens: 20, max_completion_tokens: 5 });
    expect(result.usage.completion_tokens).toBe(5);
  });

  test("return_prompt echoes the rendered prompt (fallback transcript for a model without a template)", async () => {
    const result = await complete({ ...greedy, max_tokens: 1, return_prompt: true });
    expect(result.prompt).toBe("User: Once upon a time\n\nAssistant:");
  });
});

describe("streamed completion", () => {
  test("chunks concatenate to the non-streamed text; usage and [DONE] come last", async () => {
    const expected = await complete({ ...greedy, max_tokens: 16 });
    const response = await server.post("/v1/chat/completions", {
      model: server.modelId, messages: ask("Once upon a time"), ...greedy, max_tokens: 16, stream: true,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const frames = await readSse(response);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1) as any[];
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(expected.choices[0].message.content);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("length");
    expect(last.usage.completion_tokens).toBe(16);
  });

  test("include_usage false leaves usage out", async () => {
    const response = await server.post("/v1/chat/completions", {
      model: server.modelId, messages: ask("Hi"), max_tokens: 3, stream: true, stream_options: { include_usage: false },
    });
    const chunks = (await readSse(response)).slice(0, -1) as any[];
    expect(chunks.some((c) => c.usage)).toBe(false);
  });
});

describe("stop strings", () => {
  test("text ends right before the stop string, with finish_reason stop", async () => {
    const full = (await complete({ ...greedy, max_tokens: 24 })).choices[0].message.content as string;
    const stop = full.slice(8, 12);
    const result = await complete({ ...greedy, max_tokens: 24, stop });
    expect(result.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(result.choices[0].finish_reason).toBe("stop");
  });

  test("a stop string split across two tokens never leaks into the stream", async () => {
    const probe = await complete({ ...greedy, max_tokens: 24, logprobs: true });
    const tokens = (probe.choices[0].logprobs.content as any[]).map((t) => t.token as string);
    // Find two neighbouring tokens of 2+ characters and straddle their boundary.
    const i = tokens.findIndex((t, k) => k > 2 && t.length >= 2 && (tokens[k + 1]?.length ?? 0) >= 2);
    expect(i).toBeGreaterThan(0);
    const stop = tokens[i]!.slice(-1) + tokens[i + 1]!.slice(0, 2);
    const full = tokens.join("");
    const response = await server.post("/v1/chat/completions", {
      model: server.modelId, messages: ask("Once upon a time"), ...greedy, max_tokens: 24, stop: [stop], stream: true,
    });
    const chunks = (await readSse(response)).slice(0, -1) as any[];
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(full.slice(0, full.indexOf(stop)));
    expect(text.includes(stop)).toBe(false);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
  });
});

describe("sampling", () => {
  test("the same seed gives the same text, another seed another text", async () => {
    const body = { temperature: 1.0, top_k: 0, top_p: 1, max_tokens: 24 };
    const a = await complete({ ...body, seed: 42 });
    const b = await complete({ ...body, seed: 42 });
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    const others = await Promise.all([7, 8, 9].map((seed) => complete({ ...body, seed })));
    expect(others.some((o) => o.choices[0].message.content !== a.choices[0].message.content)).toBe(true);
  });

  // Which samplers these build, in which order, is tests/engine/sampling.test.ts; here: the whole
  // set through HTTP, seeded, is reproducible (each parameter reaches the runner's chain).
  test("every sampler on at once (DRY, XTC, penalties, min-p): a seeded answer is reproducible", async () => {
    const result = await complete({
      seed: 1, max_tokens: 8, temperature: 0.9, top_k: 20, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.3,
      repeat_last_n: 32, presence_penalty: 0.2, frequency_penalty: 0.2, dry_multiplier: 0.8, dry_base: 1.75,
      dry_allowed_length: 2, dry_penalty_last_n: -1, xtc_probability: 0.5, xtc_threshold: 0.1, xtc_min_keep: 1,
      cache_prompt: false, // the same batch shapes both times: cached logits may differ in the last bits
    });
    expect(result.usage.completion_tokens).toBeGreaterThan(0);
    const again = await complete({
      seed: 1, max_tokens: 8, temperature: 0.9, top_k: 20, top_p: 0.95, min_p: 0.05, repeat_penalty: 1.3,
      repeat_last_n: 32, presence_penalty: 0.2, frequency_penalty: 0.2, dry_multiplier: 0.8, dry_base: 1.75,
      dry_allowed_length: 2, dry_penalty_last_n: -1, xtc_probability: 0.5, xtc_threshold: 0.1, xtc_min_keep: 1,
      cache_prompt: false, // the same batch shapes both times: cached logits may differ in the last bits
    });
    expect(again.choices[0].message.content).toBe(result.choices[0].message.content);
  });

  test("a strong repeat penalty changes greedy output", async () => {
    const plain = await complete({ ...greedy, max_tokens: 32 });
    const penalised = await complete({ temperature: 0, repeat_penalty: 2.0, repeat_last_n: 64, max_tokens: 32 });
    expect(penalised.choices[0].message.content).not.toBe(plain.choices[0].message.content);
  });
});

describe("logprobs", () => {
  test("greedy picks the top alternative; alternatives are sorted and sized by top_logprobs", async () => {
    const result = await complete({ ...greedy, max_tokens: 6, logprobs: true, top_logprobs: 3 });
    const content = result.choices[0].logprobs.content as any[];
    expect(content.length).toBe(6);
    for (const entry of content) {
      expect(entry.top_logprobs.length).toBe(3);
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.token).toBe(entry.top_logprobs[0].token);
      expect(entry.logprob).toBeCloseTo(entry.top_logprobs[0].logprob, 5);
      expect(entry.top_logprobs[0].logprob).toBeGreaterThanOrEqual(entry.top_logprobs[1].logprob);
      expect(Buffer.from(entry.bytes).toString("utf8")).toBe(entry.token);
    }
    expect(content.map((e) => e.token).join("")).toBe(result.choices[0].message.content);
  });
});

describe("llama-server's fields", () => {
  test("grammar constrains the output; n_probs returns logprobs", async () => {
    const result = await complete({ ...greedy, max_tokens: 20, grammar: 'root ::= ("yes" | "no") " " [a-z]+ "."', n_probs: 2 });
    const content = result.choices[0].message.content as string;
    expect(content).toMatch(/^(yes|no) [a-z]+\.$/);
    expect(result.choices[0].finish_reason).toBe("stop");
    const tokens = result.choices[0].logprobs.content as any[];
    expect(tokens.map((t) => t.token).join("")).toBe(content);
    for (const t of tokens) expect(t.top_logprobs.length).toBe(2);
  });

  test("json_schema: the output is an object matching the schema", async () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string", maxLength: 12 }, age: { type: "integer", minimum: 0, maximum: 150 } },
      required: ["name", "age"],
    };
    const result = await complete({ temperature: 1, seed: 3, max_tokens: 60, json_schema: schema });
    const value = JSON.parse(result.choices[0].message.content);
    expect(Object.keys(value).sort()).toEqual(["age", "name"]);
    expect(Number.isInteger(value.age)).toBe(true);
  });

  test("ignore_eos with a grammar: the grammar still ends the turn once complete", async () => {
    const result = await complete({ ...greedy, max_tokens: 20, grammar: 'root ::= "yes"', ignore_eos: true });
    expect(result.choices[0].message.content).toBe("yes");
    expect(result.choices[0].finish_reason).toBe("stop");
  });

  test("a llama-server field that is not honoured is a 400 naming it", async () => {
    const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: ask("Hi"), mirostat: 2 });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.param).toBe("mirostat");
  });
});

describe("errors in the OpenAI shape", () => {
  test("unknown model is 404", async () => {
    const response = await server.post("/v1/chat/completions", { model: "nope", messages: ask("hi") });
    expect(response.status).toBe(404);
    const body = (await response.json()) as any;
    expect(body.error.param).toBe("model");
    expect(typeof body.error.message).toBe("string");
  });

  test("invalid JSON is 400", async () => {
    const response = await server.post("/v1/chat/completions", "{not json");
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.type).toBe("invalid_request_error");
  });

  test("a prompt longer than the sequence's context is 400 and says so", async () => {
    const long = "Once upon a time there was a dog. ".repeat(400);
    const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: ask(long) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.error.code).toBe("context_length_exceeded");
    expect(body.error.message).toContain("tokens");
  });

  test("the server keeps answering after errors", async () => {
    expect((await complete({ max_tokens: 2 })).usage.completion_tokens).toBe(2);
  });
});
