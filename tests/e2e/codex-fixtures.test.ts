// Every request Codex CLI sent (captured in ../shared/fixtures/clients/codex) replayed against
// the real server with only `model` rewritten: each must be accepted, and its stream must hold
// what Codex's parser needs (response.output_item.done, and response.completed with usage).
// The model is TINY_QWEN_CHATTY: Qwen2.5's template and tool-call format, and turns that end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { generateModel } from "../fixtures/models.ts";
import { TINY_QWEN_CHATTY } from "../support/generated.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const ROOT = resolve(import.meta.dir, "../../../shared/fixtures/clients/codex");
const fixtures = readdirSync(ROOT).flatMap((dir) =>
  readdirSync(resolve(ROOT, dir))
    .filter((file) => file.endsWith(".json"))
    .map((file) => ({ name: `${dir}/${file}`, request: JSON.parse(readFileSync(resolve(ROOT, dir, file), "utf8")) })),
);

let server: TestServer;
beforeAll(async () => {
  // Codex's instructions and tools render to about 12k tokens: one sequence with room for them.
  server = await startTestServer(await generateModel(TINY_QWEN_CHATTY), { contextSize: 24576, parallel: 1 });
}, 60_000);
afterAll(() => server?.close());

test("the captures are all here", () => {
  expect(fixtures.length).toBe(12);
});

for (const { name, request } of fixtures) {
  test(`codex ${name}`, async () => {
    const { method, path, headers, body } = request;
    const sent = { ...headers };
    delete sent.authorization;
    delete sent["accept-encoding"];
    delete sent["content-length"];
    const res = await fetch(`${server.url}${path}`, { method, headers: sent, body: JSON.stringify({ ...body, model: server.modelId }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    // Codex always offers web_search, which a local model cannot run: left out and said so.
    if (body.tools.length) expect(res.headers.get("x-bunllama-ignored-tools")).toContain("web_search");
    if (body.text?.format?.type === "json_schema") return expectSchemaEnforced(res);
    const events = (await res.text())
      .split("\n\n")
      .filter((frame) => frame.includes("data: "))
      .map((frame) => JSON.parse(frame.slice(frame.indexOf("data: ") + 6)));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("response.created");
    expect(types).toContain("response.output_item.done");
    expect(types.at(-1)).toBe("response.completed");
    const { response } = events.at(-1);
    expect(response.usage.input_tokens).toBeGreaterThan(1000);
    expect(response.usage.output_tokens).toBeGreaterThan(0);
    expect(response.store).toBe(false);
    // Codex asks for encrypted reasoning; items it may send back must be well-formed.
    for (const item of response.output) {
      if (item.type === "function_call") expect(() => JSON.parse(item.arguments)).not.toThrow();
      if (item.type === "reasoning") expect(typeof item.encrypted_content).toBe("string");
    }
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  }, 120_000);
}

/**
 * text.format json_schema (codex exec --output-schema): random weights fill the "answer" string
 * for as long as the context lasts, so the stream is read until the grammar has shown its hand
 * (the schema's first key, then the string's opening quote), then dropped, which cancels it.
 */
async function expectSchemaEnforced(res: Response): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let raw = "";
  let text = "";
  while (text.length < 40) {
    const { done, value } = await reader.read();
    if (done) break;
    raw += value;
    text = [...raw.matchAll(/"type":"response\.output_text\.delta".*?"delta":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]!)).join("");
  }
  await reader.cancel();
  expect(raw.startsWith("event: response.created")).toBe(true);
  expect(text).toMatch(/^\{\s*"answer"\s*:\s*"/);
}
