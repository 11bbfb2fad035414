// Error messages echo at most a short prefix of a client's value: a 1 MB model, field or tool name
// comes back in an error body of a few hundred bytes, in every protocol.
import { describe, expect, test } from "bun:test";
import { ApiError } from "../../api/http/errors.ts";
import { createApp } from "../../server.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const app = createApp(new ScriptedEngine());
const post = (path: string, body: unknown) =>
  app.handle(
    new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );

const MB = "m".repeat(1 << 20);
const msgs = [{ role: "user", content: "Hi" }];
const anthropic = (extra: Record<string, unknown>) => ({ model: "test-model", max_tokens: 8, messages: msgs, ...extra });

/** `quiet`: refused by the schema without echoing the value at all. */
const CASES: { name: string; path: string; body: unknown; status: number; quiet?: boolean }[] = [
  { name: "chat: 1 MB model name", path: "/v1/chat/completions", body: { model: MB, messages: msgs }, status: 404 },
  { name: "responses: 1 MB model name", path: "/v1/responses", body: { model: MB, input: "Hi" }, status: 404 },
  { name: "messages: 1 MB model name", path: "/v1/messages", body: anthropic({ model: MB }), status: 404 },
  { name: "count_tokens: 1 MB model name", path: "/v1/messages/count_tokens", body: { model: MB, messages: msgs }, status: 404 },
  { name: "messages: 1 MB unknown output_config field", path: "/v1/messages", body: anthropic({ output_config: { [MB]: 1 } }), status: 400 },
  { name: "chat: 1 MB tool name", path: "/v1/chat/completions", body: { model: "test-model", messages: msgs, tools: [{ type: "function", function: { name: MB } }] }, status: 400, quiet: true },
  {
    name: "chat: 1 MB tool_choice name",
    path: "/v1/chat/completions",
    body: { model: "test-model", messages: msgs, tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "function", function: { name: MB } } },
    status: 400,
  },
  {
    name: "responses: 1 MB tool_choice name",
    path: "/v1/responses",
    body: { model: "test-model", input: "Hi", tools: [{ type: "function", name: "f", parameters: {} }], tool_choice: { type: "function", name: MB } },
    status: 400,
  },
  { name: "responses: 1 MB input item type", path: "/v1/responses", body: { model: "test-model", input: [{ type: MB }] }, status: 400 },
  { name: "messages: 1 MB tool name", path: "/v1/messages", body: anthropic({ tools: [{ name: MB, input_schema: { type: "object" } }] }), status: 400, quiet: true },
  {
    name: "messages: 1 MB tool_choice name",
    path: "/v1/messages",
    body: anthropic({ tools: [{ name: "f", input_schema: { type: "object" } }], tool_choice: { type: "tool", name: MB } }),
    status: 400,
  },
  { name: "messages: 1 MB content block type", path: "/v1/messages", body: anthropic({ messages: [{ role: "user", content: [{ type: MB }] }] }), status: 400 },
];

describe("errors echo a short prefix of a huge value", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const res = await post(c.path, c.body);
      expect(res.status).toBe(c.status);
      const text = await res.text();
      expect(text.length).toBeLessThan(2048);
      // Where the value is echoed it stays recognisable: its prefix is quoted.
      if (!c.quiet) expect(text).toContain("mmmmmmmmmmmmmmmm");
    });
  }

  test("a 1 MB unknown top-level field is not echoed", async () => {
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "test-model", messages: msgs, [MB]: 1 }],
      ["/v1/responses", { model: "test-model", input: "Hi", [MB]: 1 }],
      ["/v1/messages", anthropic({ [MB]: 1 })],
    ] as const) {
      const text = await (await post(path, body)).text();
      expect(text.length).toBeLessThan(2048);
    }
  });
});

describe("ApiError bounds whatever message it is given", () => {
  test("short messages and params are kept as they are", () => {
    const err = new ApiError("invalid_request", "x", "Invalid value for 'a'.", "a");
    expect(err.message).toBe("Invalid value for 'a'.");
    expect(err.param).toBe("a");
  });

  test("a long message keeps its start and its end; a long param its start and end", () => {
    const err = new ApiError("invalid_request", "x", `tool_choice names '${MB}', which is not in tools.`, `tools.${MB}`);
    expect(err.message.length).toBeLessThanOrEqual(1024);
    expect(err.message.startsWith("tool_choice names 'mmm")).toBe(true);
    expect(err.message.endsWith("mmm', which is not in tools.")).toBe(true);
    expect(err.message).toContain("…");
    expect(err.param!.length).toBeLessThanOrEqual(256);
    expect(err.param!.startsWith("tools.mmm")).toBe(true);
  });
});
