// JSON nested deeper than 64 levels is refused before it is parsed: the shapes that cost hundreds
// of megabytes (or a stack overflow blamed on the chat template) answer a fast 400 in each
// protocol's shape, and the engine never sees them.
import { describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../api/http/jsonDepth.ts";
import { createApp } from "../../server.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const nest = (n: number, open: string, close: string, inner = "1") => open.repeat(n) + inner + close.repeat(n);

describe("nestsDeeperThan", () => {
  test("counts arrays and objects together, up to the limit and one past it", () => {
    const mixed = (n: number) => nest(n / 2, '{"a":[', "]}");
    expect(nestsDeeperThan(bytes(mixed(64)), 64)).toBe(false);
    expect(nestsDeeperThan(bytes(mixed(66)), 64)).toBe(true);
    expect(nestsDeeperThan(bytes(nest(64, "[", "]")), 64)).toBe(false);
    expect(nestsDeeperThan(bytes(nest(65, "[", "]")), 64)).toBe(true);
  });

  test("siblings do not add up: depth falls back as containers close", () => {
    const wide = `[${Array.from({ length: 1000 }, () => nest(60, "[", "]")).join(",")}]`;
    expect(nestsDeeperThan(bytes(wide), 64)).toBe(false);
  });

  test("brackets inside strings do not count, escaped quotes and backslashes included", () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: "[".repeat(10_000) })), 64)).toBe(false);
    // \" does not end the string: the brackets after it are text.
    expect(nestsDeeperThan(bytes(`["\\"${"[".repeat(100)}"]`), 64)).toBe(false);
    // \\ is one backslash: the quote after it ends the string, and the brackets after count.
    expect(nestsDeeperThan(bytes(`["\\\\", ${nest(70, "[", "]")}]`), 64)).toBe(true);
    expect(nestsDeeperThan(bytes(`["\\\\\\"${"[".repeat(100)}"]`), 64)).toBe(false);
  });

  test("multi-byte characters are skipped as they are", () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ t: "é漢字🙂[[[".repeat(1000) })), 64)).toBe(false);
    expect(nestsDeeperThan(bytes(`{"é🙂":${nest(65, "[", "]")}}`), 64)).toBe(true);
  });

  test("an unterminated string ends the scan", () => {
    expect(nestsDeeperThan(bytes(`["${"[".repeat(100)}`), 64)).toBe(false);
  });
});

describe("over-deep request bodies", () => {
  const engine = new ScriptedEngine();
  const app = createApp(engine);
  const post = (path: string, body: string) =>
    app.handle(new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body }));

  const deep = nest(10_000, "[", "]", '"x"');
  const CASES: { name: string; path: string; body: string; anthropic?: boolean }[] = [
    { name: "100,000 nested objects (600 KB)", path: "/v1/chat/completions", body: nest(100_000, '{"a":', "}") },
    { name: "10,000 arrays inside content", path: "/v1/chat/completions", body: `{"model":"test-model","messages":[{"role":"user","content":${deep}}]}` },
    { name: "10,000 arrays as messages", path: "/v1/chat/completions", body: `{"model":"test-model","messages":${deep}}` },
    { name: "10,000 arrays inside stop", path: "/v1/chat/completions", body: `{"model":"test-model","messages":[{"role":"user","content":"Hi"}],"stop":${deep}}` },
    {
      name: "tool parameters nested 10,000 deep",
      path: "/v1/chat/completions",
      body: `{"model":"test-model","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${nest(10_000, '{"type":"object","properties":{"p":', "}}", '{"type":"string"}')}}}]}`,
    },
    { name: "Responses input nested 10,000 deep", path: "/v1/responses", body: `{"model":"test-model","input":${deep}}` },
    { name: "Messages content nested 10,000 deep", path: "/v1/messages", anthropic: true, body: `{"model":"test-model","max_tokens":8,"messages":[{"role":"user","content":${deep}}]}` },
  ];

  for (const c of CASES) {
    test(`${c.name}: 400 naming the limit, the engine untouched`, async () => {
      const before = engine.requests.length;
      const started = performance.now();
      const res = await post(c.path, c.body);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      if (c.anthropic) expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
      else expect(body.error).toMatchObject({ type: "invalid_request_error", code: "json_too_deep", param: null });
      expect(body.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
      expect(engine.requests.length).toBe(before);
    });
  }

  test("a body nested within the limit is served", async () => {
    const parameters = nest(20, '{"type":"object","properties":{"p":', "}}", '{"type":"string"}');
    const res = await post(
      "/v1/chat/completions",
      `{"model":"test-model","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${parameters}}}]}`,
    );
    expect(res.status).toBe(200);
  });
});
