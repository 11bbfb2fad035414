// The prompt cache as clients see it: cached prompt tokens in each protocol's usage, through the
// official SDKs, `cache_prompt: false` honoured, and a conversation that survives a runner crash
// through --cache-dir.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TINYSTORIES_656K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "bunllama-cache-e2e-"));
  server = await startTestServer(TINYSTORIES_656K, { cacheDir });
});
afterAll(() => {
  server.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

// Each test's prompt differs from the others' from its first word on, so that only the chat
// template's opening is shared between tests.
const story = (topic: string) =>
  `${topic[0]!.toUpperCase()}${topic.slice(1)} was little. It lived in a small house near the big forest and loved to play with its friends every day.`;

describe("cached prompt tokens in usage", () => {
  test("Chat Completions: the same conversation again is served from the cache but for its last token", async () => {
    const messages = [{ role: "user" as const, content: story("cat") }];
    const first = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 4, temperature: 0 });
    const second = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 4, temperature: 0 });
    expect(first.usage!.prompt_tokens_details!.cached_tokens).toBeLessThan(first.usage!.prompt_tokens / 2);
    expect(second.usage!.prompt_tokens).toBe(first.usage!.prompt_tokens);
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBe(second.usage!.prompt_tokens - 1);
    expect(second.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
  });

  test("Chat Completions: cache_prompt false processes the whole prompt again, with the same answer", async () => {
    const messages = [{ role: "user" as const, content: story("dog") }];
    const warm = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 4, temperature: 0 });
    const cold = await server.openai.chat.completions.create({
      model: server.modelId, messages, max_tokens: 4, temperature: 0, ...({ cache_prompt: false } as object),
    });
    expect(cold.usage!.prompt_tokens_details!.cached_tokens).toBe(0);
    expect(cold.choices[0]!.message.content).toBe(warm.choices[0]!.message.content);
  });

  test("Chat Completions stream: the final usage chunk carries the cached tokens", async () => {
    const messages = [{ role: "user" as const, content: story("bird") }];
    await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 2 });
    const stream = await server.openai.chat.completions.create({
      model: server.modelId, messages, max_tokens: 2, stream: true, stream_options: { include_usage: true },
    });
    let usage;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage!.prompt_tokens_details!.cached_tokens).toBe(usage!.prompt_tokens - 1);
  });

  test("Anthropic Messages: cache_read_input_tokens, and input_tokens counts only what was processed", async () => {
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    const body = { model: server.modelId, max_tokens: 4, messages: [{ role: "user" as const, content: story("fox") }] };
    const first = await anthropic.messages.create(body);
    const second = await anthropic.messages.create(body);
    const prompt = first.usage.input_tokens + first.usage.cache_read_input_tokens!;
    expect(first.usage.cache_read_input_tokens).toBeLessThan(prompt / 2);
    expect(second.usage.cache_read_input_tokens).toBe(prompt - 1);
    expect(second.usage.input_tokens).toBe(1);
  });

  test("Responses: input_tokens_details.cached_tokens", async () => {
    const body = { model: server.modelId, input: story("mouse"), max_output_tokens: 16, store: false };
    await server.openai.responses.create(body);
    const second = await server.openai.responses.create(body);
    expect(second.usage!.input_tokens_details.cached_tokens).toBe(second.usage!.input_tokens - 1);
  });
});

describe("--cache-dir", () => {
  test("a conversation is answered from disk after the runner crashed and was restarted", async () => {
    const messages = [{ role: "user" as const, content: story("rabbit") }];
    const first = await server.openai.chat.completions.create({ model: server.modelId, messages, max_tokens: 8, temperature: 0 });
    expect(readdirSync(cacheDir).some((name) => name.endsWith(".kv"))).toBe(true);

    // The runner dies (as on a native abort; see runner-crash.test.ts) and is restarted.
    const lease = await server.engine.registry.acquire(server.modelId);
    if ("error" in lease) throw new Error(lease.error.message);
    lease.release();
    const client = lease.model.client;
    const pid = client.pid!;
    process.kill(pid, "SIGKILL");
    while (client.pid === pid) await Bun.sleep(5);

    const next = [...messages, { role: "assistant" as const, content: first.choices[0]!.message.content! }, { role: "user" as const, content: "And then?" }];
    const after = await server.openai.chat.completions.create({ model: server.modelId, messages: next, max_tokens: 8, temperature: 0 });
    // The restarted runner found the first turn on disk: only the new part was processed (the
    // answer re-rendered after the prompt may tokenize a little differently at the seam).
    expect(after.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(first.usage!.prompt_tokens * 0.9);
    expect(client.restarts).toBe(1);
  });
});
