// ignore_eos end to end, on a generated model whose answers end by themselves after a few tokens.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateModel } from "../fixtures/models.ts";
import { TINY_QWEN_CHATTY } from "../support/generated.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(await generateModel(TINY_QWEN_CHATTY), { parallel: 1, contextSize: 512 });
}, 60_000);
afterAll(() => server.close());

const complete = async (extra: Record<string, unknown>) => {
  const response = await server.post("/v1/chat/completions", {
    model: server.modelId,
    messages: [{ role: "user", content: "Hi" }],
    temperature: 0,
    max_tokens: 24,
    ...extra,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};

test("a greedy answer that ends early runs to max_tokens with ignore_eos, starting the same", async () => {
  const natural = await complete({});
  expect(natural.choices[0].finish_reason).toBe("stop");
  expect(natural.usage.completion_tokens).toBeLessThan(24);

  const forced = await complete({ ignore_eos: true });
  expect(forced.choices[0].finish_reason).toBe("length");
  expect(forced.usage.completion_tokens).toBe(24);
  expect(forced.choices[0].message.content).toStartWith(natural.choices[0].message.content);
}, 60_000);
