// The request schema is the single gate: a field of the wrong type is refused with a 400 naming it,
// never turned into a valid value by Elysia's normaliser ("x" into {"0":"x"}, 5 into {}).
import { describe, expect, test } from "bun:test";
import { createApp } from "../../server.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const engine = new ScriptedEngine();
const app = createApp(engine);

const post = (path: string, body: unknown) =>
  app.handle(
    new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );

const WRONG = { string: "x", number: 5, array: [1], true: true } as const;
type Wrong = keyof typeof WRONG;
const ALL_BUT_OBJECT: Wrong[] = ["string", "number", "array", "true"];
const msgs = [{ role: "user", content: "Hi" }];

/** Each protocol's request with one field set to `v`, and the field's name in the error. */
const CASES: { protocol: "openai" | "anthropic"; path: string; field: string; body: (v: unknown) => unknown }[] = [
  { protocol: "openai", path: "/v1/chat/completions", field: "stream_options", body: (v) => ({ model: "test-model", messages: msgs, stream_options: v }) },
  {
    protocol: "openai",
    path: "/v1/chat/completions",
    field: "tools[0].function.parameters",
    body: (v) => ({ model: "test-model", messages: msgs, tools: [{ type: "function", function: { name: "f", parameters: v } }] }),
  },
  {
    protocol: "openai",
    path: "/v1/chat/completions",
    field: "response_format.json_schema.schema",
    body: (v) => ({ model: "test-model", messages: msgs, response_format: { type: "json_schema", json_schema: { name: "s", schema: v } } }),
  },
  { protocol: "openai", path: "/v1/responses", field: "reasoning", body: (v) => ({ model: "test-model", input: "Hi", reasoning: v }) },
  { protocol: "openai", path: "/v1/responses", field: "stream_options", body: (v) => ({ model: "test-model", input: "Hi", stream_options: v }) },
  {
    protocol: "openai",
    path: "/v1/responses",
    field: "text.format.schema",
    body: (v) => ({ model: "test-model", input: "Hi", text: { format: { type: "json_schema", name: "s", schema: v } } }),
  },
  { protocol: "openai", path: "/v1/responses/input_tokens", field: "reasoning", body: (v) => ({ model: "test-model", input: "Hi", reasoning: v }) },
  {
    protocol: "anthropic",
    path: "/v1/messages",
    field: "tools[0].input_schema",
    body: (v) => ({ model: "test-model", max_tokens: 8, messages: msgs, tools: [{ name: "f", input_schema: v }] }),
  },
  {
    protocol: "anthropic",
    path: "/v1/messages",
    field: "output_config.format.schema",
    body: (v) => ({ model: "test-model", max_tokens: 8, messages: msgs, output_config: { format: { type: "json_schema", schema: v } } }),
  },
  { protocol: "anthropic", path: "/v1/messages", field: "thinking", body: (v) => ({ model: "test-model", max_tokens: 8, messages: msgs, thinking: v }) },
  { protocol: "anthropic", path: "/v1/messages/count_tokens", field: "thinking", body: (v) => ({ model: "test-model", messages: msgs, thinking: v }) },
];

async function expectRefused(res: Response, protocol: "openai" | "anthropic", field: string) {
  expect(res.status).toBe(400);
  const body = (await res.json()) as any;
  if (protocol === "openai") {
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBe(field);
    expect(body.error.message).toContain(`'${field}'`);
  } else {
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain(`'${field}'`);
  }
}

describe("a field of the wrong type is refused, naming it", () => {
  for (const c of CASES) {
    for (const kind of ALL_BUT_OBJECT) {
      test(`${c.path} ${c.field} as ${kind}`, async () => {
        const before = engine.requests.length;
        await expectRefused(await post(c.path, c.body(WRONG[kind])), c.protocol, c.field);
        expect(engine.requests.length).toBe(before);
      });
    }
  }
});

test('"reasoning":"x" names reasoning, not reasoning.0', async () => {
  const res = await post("/v1/responses", { model: "test-model", input: "Hi", reasoning: "x" });
  const body = (await res.json()) as any;
  expect(body.error.param).toBe("reasoning");
});

test("the same fields with the right type are accepted", async () => {
  const ok = [
    post("/v1/chat/completions", { model: "test-model", messages: msgs, stream_options: { include_usage: true } }),
    post("/v1/chat/completions", {
      model: "test-model",
      messages: msgs,
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      response_format: { type: "json_schema", json_schema: { name: "s", schema: { type: "object" } } },
    }),
    post("/v1/responses", { model: "test-model", input: "Hi", reasoning: { effort: "low" }, stream_options: {}, text: { format: { type: "json_schema", name: "s", schema: { type: "object" } } } }),
    post("/v1/messages", { model: "test-model", max_tokens: 8, messages: msgs, thinking: { type: "disabled" }, tools: [{ name: "f", input_schema: { type: "object" } }] }),
  ];
  for (const res of await Promise.all(ok)) expect(res.status).toBe(200);
});

test("null stays accepted where the field is nullable", async () => {
  const res = await post("/v1/chat/completions", { model: "test-model", messages: msgs, stream_options: null });
  expect(res.status).toBe(200);
});
