// The official openai SDK against the real server: plain, streamed, and its stream helper.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(STORIES_260K);
});
afterAll(() => server.close());

const request = { model: "stories260K", messages: [{ role: "user" as const, content: "Once upon a time" }], temperature: 0, max_tokens: 20 };

test("chat.completions.create without streaming", async () => {
  const completion = await server.openai.chat.completions.create(request);
  expect(completion.choices[0]!.message.content!.length).toBeGreaterThan(0);
  expect(completion.choices[0]!.finish_reason).toBe("length");
  expect(completion.usage!.completion_tokens).toBe(20);
});

test("chat.completions.create with streaming accumulates the same text and usage", async () => {
  const plain = await server.openai.chat.completions.create(request);
  const stream = await server.openai.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let usage: { completion_tokens: number } | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  expect(text).toBe(plain.choices[0]!.message.content!);
  expect(finish).toBe("length");
  expect(usage!.completion_tokens).toBe(20);
});

test("the SDK's chat.completions.stream helper builds the final completion", async () => {
  const runner = server.openai.chat.completions.stream({ ...request, max_tokens: 8 });
  const deltas: string[] = [];
  runner.on("content", (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  expect(final.choices[0]!.message.content).toBe(deltas.join(""));
  expect(final.choices[0]!.finish_reason).toBe("length");
});

test("SDK errors carry the status and the OpenAI error body", async () => {
  const failure = await server.openai.chat.completions.create({ ...request, model: "missing" }).catch((e) => e);
  expect(failure.status).toBe(404);
  expect(failure.error.param).toBe("model");
});
