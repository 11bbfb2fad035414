// Malformed and extreme requests against the real server, per protocol: every top-level field of
// each request schema with values of every wrong type and extreme size, broken nested parts,
// deep nesting, huge strings, invalid UTF-8, lone surrogates, NUL. Each answer is below 500, in
// the protocol's error shape when refused, with no internals in it; the runner never restarts,
// /health answers throughout, and memory stays bounded.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { TObject } from "@sinclair/typebox";
import { MessagesRequest } from "../../schemas/anthropic-messages.ts";
import { ChatCompletionRequest } from "../../schemas/openai-chat.ts";
import { ResponsesRequest } from "../../schemas/openai-responses.ts";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  // 128 tokens a sequence: a value that is valid but extreme (max_tokens 2^31) ends fast.
  server = await startTestServer(STORIES_260K, { parallel: 4, contextSize: 512 }, { queueSize: 64 });
});
afterAll(() => server.close());

const MODEL = "stories260K";
const PROTOCOLS = [
  { path: "/v1/chat/completions", schema: ChatCompletionRequest, base: { model: MODEL, messages: [{ role: "user", content: "Hi" }], max_tokens: 1 }, shape: "openai" },
  { path: "/v1/messages", schema: MessagesRequest, base: { model: MODEL, max_tokens: 1, messages: [{ role: "user", content: "Hi" }] }, shape: "anthropic" },
  { path: "/v1/responses", schema: ResponsesRequest, base: { model: MODEL, input: "Hi", max_output_tokens: 16, store: false }, shape: "openai" },
] as const;

const deep = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

/** Values of every JSON type, extremes of numbers and strings. */
const WRONG: unknown[] = [
  "x", "", "\u0000", "\ud800", "é".repeat(5000), "x".repeat(300_000),
  0, -1, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53 + 1, 1e308, -1e308,
  true, null, [], [1, "a", null], {}, { a: { b: { c: 1 } } }, deep(200),
];

interface Outcome {
  label: string;
  status: number;
  text: string;
}

async function send(path: string, body: string | Uint8Array, label: string): Promise<Outcome> {
  const response = await server.post(path, body);
  return { label, status: response.status, text: await response.text() };
}

/** Internals that must never reach a client. */
const LEAKS = [/\/work\//, /node_modules/, /\n\s+at /, /\.ts:\d+/, /Maximum call stack/, /TypeError|ReferenceError/];

function expectClean(outcome: Outcome, shape: "openai" | "anthropic"): void {
  const { label, status, text } = outcome;
  expect({ label, status: status < 500 ? "below 500" : status }).toEqual({ label, status: "below 500" });
  for (const leak of LEAKS) expect({ label, leak: leak.source, found: leak.test(text) }).toEqual({ label, leak: leak.source, found: false });
  if (status >= 400) {
    const body = JSON.parse(text);
    if (shape === "anthropic") expect({ label, type: body.type, has: typeof body.error?.message }).toEqual({ label, type: "error", has: "string" });
    else expect({ label, has: typeof body.error?.message }).toEqual({ label, has: "string" });
    // Echoed values are cut: a 300 KB string never comes back whole.
    expect({ label, short: text.length < 4096 }).toEqual({ label, short: true });
  }
}

interface Case {
  path: string;
  body: string | Uint8Array;
  label: string;
  shape: "openai" | "anthropic";
}

/** Runs the cases `width` at a time, checking /health between batches. */
async function runAll(cases: Case[], width = 8) {
  for (let i = 0; i < cases.length; i += width) {
    const batch = cases.slice(i, i + width);
    const outcomes = await Promise.all(batch.map((c) => send(c.path, c.body, c.label)));
    outcomes.forEach((outcome, j) => expectClean(outcome, batch[j]!.shape));
    if ((i / width) % 10 === 0) expect((await fetch(`${server.url}/health`)).status).toBe(200);
  }
}

describe("malformed and extreme requests", () => {
  test("every top-level field of every protocol with every wrong value", async () => {
    const cases = PROTOCOLS.flatMap(({ path, schema, base, shape }) =>
      Object.keys((schema as TObject).properties).flatMap((field) =>
        WRONG.map((value, v) => ({ path, shape, label: `${path} ${field} #${v}`, body: JSON.stringify({ ...base, [field]: value }) })),
      ),
    );
    expect(cases.length).toBeGreaterThan(1400);
    await runAll(cases);
  }, 300_000);

  test("broken nested parts: roles, content parts, tools, schemas, stop lists", async () => {
    const chat = PROTOCOLS[0];
    const messages = PROTOCOLS[1];
    const nested: Record<string, unknown>[] = [
      { messages: [{ role: "wizard", content: "x" }] },
      { messages: [{ role: "user", content: [{ type: "hologram", data: "x" }] }] },
      { messages: [{ role: "user", content: [{ type: "text" }] }] },
      { messages: [{ role: "user", content: deep(10_000, "x") }] },
      { messages: [{ role: "tool", content: "x" }] },
      { messages: [{ role: "assistant", tool_calls: [{ id: 1, type: "function", function: { name: 5, arguments: {} } }] }] },
      { messages: [] },
      { tools: [{ type: "function", function: { name: "f", parameters: { type: "nope" } } }] },
      { tools: [{ type: "function", function: { name: "f", parameters: { $ref: "#/nowhere" } } }] },
      { tools: [{ type: "function", function: { name: "x".repeat(100_000), parameters: { type: "object" } } }] },
      { tools: [{ type: "function", function: { name: "f", parameters: deep(10_000, {}) } }] },
      { response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "object", properties: { a: { pattern: "(" } } } } } },
      { response_format: { type: "json_schema", json_schema: { name: "s", schema: { allOf: [{ type: "string" }, { type: "number" }] } } } },
      { stop: Array.from({ length: 1000 }, (_, i) => `s${i}`) },
      { stop: deep(10_000, "x") },
      { logit_bias: { "1": 100 } },
      { n: 1000 },
      { top_logprobs: 1000, logprobs: true },
      { repeat_last_n: 2 ** 31 - 1, dry_penalty_last_n: 2 ** 31 - 1, dry_multiplier: 1, repeat_penalty: 1.2 },
    ];
    const cases: Case[] = nested.map((patch, i) => ({ path: chat.path, shape: chat.shape, label: `chat nested #${i}`, body: JSON.stringify({ ...chat.base, ...patch }) }));
    const anthropicNested: Record<string, unknown>[] = [
      { messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "!!!" } }] }] },
      { messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: 5 }] }] },
      { system: [{ type: "text" }] },
      { thinking: { type: "enabled", budget_tokens: -5 } },
      { tools: [{ name: "f", input_schema: "nope" }] },
    ];
    cases.push(
      ...anthropicNested.map((patch, i) => ({ path: messages.path, shape: messages.shape, label: `messages nested #${i}`, body: JSON.stringify({ ...messages.base, ...patch }) })),
    );
    await runAll(cases, 4);
  }, 300_000);

  test("raw bodies: deep nesting, invalid UTF-8, lone surrogates, NUL, truncation, not JSON", async () => {
    const raws: (string | Uint8Array)[] = [
      "[".repeat(100_000) + "]".repeat(100_000),
      '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000),
      new Uint8Array([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      '{"model":"stories260K","messages":[{"role":"user","content":"\\ud800\\udbff"}],"max_tokens":1}',
      '{"model":"stories260K","messages":[{"role":"user","content":"a\\u0000b"}],"max_tokens":1}',
      '{"model":"stories260K","messages":[{"role":"user","con',
      "not json at all",
      "",
      "null",
      "[]",
      '"string"',
      "1e999999",
    ];
    const cases = PROTOCOLS.flatMap(({ path, shape }) => raws.map((body, i) => ({ path, shape, label: `${path} raw #${i}`, body })));
    await runAll(cases, 4);
  }, 120_000);

  test("afterwards: no runner restarted, a normal request works, memory stayed bounded", async () => {
    const [model] = server.engine.stats();
    expect(model!.restarts).toBe(0);
    const answer = await server.openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4 });
    expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
    const runner = server.engine.registry.runnerPid(model!.id);
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${runner}/status`, "utf8"))![1]);
    // stories260K's runner idles near 100 MB; a window or prompt bomb would be gigabytes.
    expect(rssKiB).toBeLessThan(512 * 1024);
    expect(process.memoryUsage().rss).toBeLessThan(2 * 1024 ** 3);
  });
});
