// Auth in front of every protocol, through the official SDKs (in-process app, scripted engine):
// 401 without, with an unknown, expired or revoked token; 403 for a missing scope or model; each
// in its protocol's error shape with the request id; open /health and /openapi; bare paths guarded.
import { beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { scopeFor } from "../../api/auth.ts";
import { createApp } from "../../server.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { SCOPES, TokenStore, type TokenSpec } from "../../store/tokens.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

let tokens: TokenStore;
let app: ReturnType<typeof createApp>;

beforeEach(() => {
  const db = openDatabase(":memory:");
  tokens = new TokenStore(db);
  app = createApp(new ScriptedEngine(), { auth: { tokens, ledger: new UsageLedger(db) } });
});

/** A token (every scope unless told) and its secret. */
const mint = (spec: Partial<TokenSpec> = {}) => tokens.create({ name: `t${tokens.count()}`, scopes: [...SCOPES], ...spec }).secret;
const fetchVia = (input: string | URL | Request, init?: RequestInit) => app.handle(new Request(input, init));
const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: "http://localhost/v1", fetch: fetchVia, maxRetries: 0 });
const anthropicKey = (apiKey: string) => new Anthropic({ apiKey, baseURL: "http://localhost", fetch: fetchVia, maxRetries: 0 });
const anthropicBearer = (authToken: string) => new Anthropic({ apiKey: null, authToken, baseURL: "http://localhost", fetch: fetchVia, maxRetries: 0 });

const chat = (client: OpenAI, model = "test-model") => client.chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }] });
const respond = (client: OpenAI, model = "test-model") => client.responses.create({ model, input: "Hi" });
const message = (client: Anthropic, model = "test-model") => client.messages.create({ model, max_tokens: 8, messages: [{ role: "user", content: "Hi" }] });

/** The SDK's error for a call that must fail. */
async function failure<T extends { status?: number }>(call: Promise<unknown>): Promise<T> {
  try {
    await call;
  } catch (error) {
    return error as T;
  }
  throw new Error("the call succeeded");
}

type OpenAIFailure = InstanceType<typeof OpenAI.APIError>;
type AnthropicFailure = InstanceType<typeof Anthropic.APIError>;

/** OpenAI's error body with the request id, which the x-request-id header repeats. */
function expectOpenAIError(error: OpenAIFailure, status: number, type: string, code: string) {
  expect(error.status).toBe(status);
  const body = error.error as { type: string; code: string; request_id: string; message: string };
  expect(body.type).toBe(type);
  expect(body.code).toBe(code);
  expect(body.request_id).toMatch(/^req_/);
  expect(error.headers?.get("x-request-id")).toBe(body.request_id);
}

function expectAnthropicError(error: AnthropicFailure, status: number, type: string) {
  expect(error.status).toBe(status);
  expect(error.error).toMatchObject({ type: "error", error: { type } });
  expect(error.requestID).toMatch(/^req_/);
}

describe("auth: who is calling (401)", () => {
  test("no token: 401 in each protocol's shape", async () => {
    const bare = (path: string, init: RequestInit = {}) => app.handle(new Request(`http://localhost${path}`, init));
    const none = await bare("/v1/chat/completions", { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const body = (await none.json()) as { error: { type: string; code: string; request_id: string } };
    expect(body.error).toMatchObject({ type: "authentication_error", code: "missing_api_key" });
    expect(body.error.request_id).toBe(none.headers.get("x-request-id")!);

    const anthropic = await bare("/v1/messages", { method: "POST", body: "{}" });
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(anthropic.headers.get("request-id")).toMatch(/^req_/);

    for (const [method, path] of [["POST", "/v1/responses"], ["GET", "/v1/models"], ["GET", "/v1/admin/tokens"], ["GET", "/metrics"], ["GET", "/v1/usage"], ["GET", "/"]]) {
      expect({ path, status: (await bare(path!, { method })).status }).toEqual({ path, status: 401 });
    }
  });

  test("an unknown token: 401 through the OpenAI SDK (chat, responses) and the Anthropic SDK (x-api-key, Bearer)", async () => {
    const wrong = `bl_${"x".repeat(43)}`;
    expectOpenAIError(await failure(chat(openai(wrong))), 401, "authentication_error", "invalid_api_key");
    expectOpenAIError(await failure(respond(openai(wrong))), 401, "authentication_error", "invalid_api_key");
    expectAnthropicError(await failure(message(anthropicKey(wrong))), 401, "authentication_error");
    expectAnthropicError(await failure(message(anthropicBearer("sk-not-ours"))), 401, "authentication_error");
  });

  test("a valid token works in every protocol; Anthropic clients may send it as x-api-key or Bearer", async () => {
    const secret = mint();
    expect((await chat(openai(secret))).choices[0]!.message.content).toBe("Hello");
    expect((await respond(openai(secret))).output_text).toBe("Hello");
    expect((await message(anthropicKey(secret))).content).toMatchObject([{ type: "text", text: "Hello" }]);
    expect((await message(anthropicBearer(secret))).content).toMatchObject([{ type: "text", text: "Hello" }]);
    expect((await openai(secret).models.list()).data.map((m) => m.id)).toContain("test-model");
  });

  test("an expired token: 401 token_expired", async () => {
    const now = Date.now();
    const secret = tokens.create({ name: "old", scopes: ["chat-completions", "messages"], expiresAt: now - 1000 }, now - 60_000).secret;
    expectOpenAIError(await failure(chat(openai(secret))), 401, "authentication_error", "token_expired");
    const error = await failure<AnthropicFailure>(message(anthropicKey(secret)));
    expectAnthropicError(error, 401, "authentication_error");
    expect(JSON.stringify(error.error)).toContain("expired");
  });

  test("revocation takes effect at the next request", async () => {
    const secret = mint({ name: "soon-gone" });
    await chat(openai(secret));
    tokens.revoke("soon-gone");
    expectOpenAIError(await failure(chat(openai(secret))), 401, "authentication_error", "token_revoked");
    expectAnthropicError(await failure(message(anthropicKey(secret))), 401, "authentication_error");
  });

  test("/health and the OpenAPI document stay open", async () => {
    for (const path of ["/health", "/openapi", "/openapi/json"]) {
      expect({ path, status: (await app.handle(new Request(`http://localhost${path}`))).status }).toEqual({ path, status: 200 });
    }
  });
});

describe("auth: what the token may do (403)", () => {
  test("a token scoped to messages calls /v1/messages and gets 403 from the other endpoints", async () => {
    const secret = mint({ scopes: ["messages"] });
    expect((await message(anthropicKey(secret))).content[0]).toMatchObject({ type: "text", text: "Hello" });
    expect((await anthropicKey(secret).messages.countTokens({ model: "test-model", messages: [{ role: "user", content: "a b c" }] })).input_tokens).toBe(3);
    expectOpenAIError(await failure(chat(openai(secret))), 403, "permission_error", "insufficient_scope");
    expectOpenAIError(await failure(respond(openai(secret))), 403, "permission_error", "insufficient_scope");
    expectOpenAIError(await failure(openai(secret).models.list()), 403, "permission_error", "insufficient_scope");
    const admin = await app.handle(new Request("http://localhost/v1/admin/tokens", { headers: { "x-api-key": secret } }));
    expect(admin.status).toBe(403);
  });

  test("bare paths (no /v1) need the same scopes", async () => {
    const secret = mint({ scopes: ["messages"] });
    const call = (path: string, body: unknown) =>
      app.handle(new Request(`http://localhost${path}`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(body) }));
    expect((await call("/messages", { model: "test-model", max_tokens: 4, messages: [{ role: "user", content: "Hi" }] })).status).toBe(200);
    const refused = await call("/chat/completions", { model: "test-model", messages: [{ role: "user", content: "Hi" }] });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("insufficient_scope");
    expect((await call("/responses", { model: "test-model", input: "Hi" })).status).toBe(403);
  });

  test("the scope is decided on the path the router sees, whatever the Host header", async () => {
    const models = mint({ scopes: ["models"] });
    // A one- or two-letter host moves where Elysia's router starts the path (index 11 of the URL):
    // none of these reaches a route the token lacks the scope of.
    for (const url of ["http://a/models/v1/admin/tokens", "http://ab/models/v1/admin/tokens", "http://a/responses/metrics", "http://a/models/metrics", "http://a/xy/v1/admin/tokens"]) {
      const res = await app.handle(new Request(url, { headers: { authorization: `Bearer ${models}` } }));
      expect({ url, refused: res.status === 403 || res.status === 404 }).toEqual({ url, refused: true });
      expect(await res.text()).not.toContain("api_token");
    }
  });

  test("model limits: an alias and its model's id are the same model; others are 403 naming the model", async () => {
    const byAlias = mint({ scopes: ["chat-completions", "messages", "responses"], models: ["default"] });
    const byId = mint({ scopes: ["chat-completions", "messages"], models: ["test-model"] });
    expect((await chat(openai(byAlias), "test-model")).model).toBe("test-model");
    expect((await chat(openai(byId), "default")).choices[0]!.message.content).toBe("Hello");
    expect((await message(anthropicKey(byAlias), "test-model")).content).toHaveLength(1);

    const refused = await failure<OpenAIFailure>(chat(openai(byAlias), "org/other"));
    expectOpenAIError(refused, 403, "permission_error", "model_not_allowed");
    expect(refused.param).toBe("model");
    expect(refused.message).toContain("org/other");
    expectOpenAIError(await failure(respond(openai(byAlias), "org/other")), 403, "permission_error", "model_not_allowed");
    const anthropicRefused = await failure<AnthropicFailure>(message(anthropicKey(byId), "org/other"));
    expectAnthropicError(anthropicRefused, 403, "permission_error");
    expect(JSON.stringify(anthropicRefused.error)).toContain("org/other");
    const counting = anthropicKey(byId).messages.countTokens({ model: "org/other", messages: [{ role: "user", content: "Hi" }] });
    expectAnthropicError(await failure(counting), 403, "permission_error");
  });

  test("the Anthropic model list answers its 401 and 403 in Anthropic's shape", async () => {
    const none = await failure<AnthropicFailure>(anthropicKey("bl_nope").models.list());
    expectAnthropicError(none, 401, "authentication_error");
    const messagesOnly = mint({ scopes: ["messages"] });
    expectAnthropicError(await failure(anthropicKey(messagesOnly).models.list()), 403, "permission_error");
    const models = mint({ scopes: ["models"] });
    expect((await anthropicKey(models).models.list()).data.map((m) => m.id)).toContain("test-model");
  });
});

describe("auth: stored responses belong to the token that made them", () => {
  const userScopes: TokenSpec["scopes"] = ["responses", "models"];

  test("another token sees 404 on every route and as previous_response_id; the owner and admins see it", async () => {
    const owner = openai(mint({ scopes: userScopes }));
    const other = openai(mint({ scopes: userScopes }));
    const admin = openai(mint());
    const created = await owner.responses.create({ model: "test-model", input: "Hi", store: true });

    expect((await owner.responses.retrieve(created.id)).id).toBe(created.id);
    expect((await admin.responses.retrieve(created.id)).id).toBe(created.id);
    expect((await owner.responses.inputItems.list(created.id)).data.length).toBeGreaterThan(0);

    for (const call of [
      other.responses.retrieve(created.id),
      other.responses.inputItems.list(created.id),
      other.responses.cancel(created.id),
      other.responses.delete(created.id),
    ]) {
      const error = await failure<OpenAIFailure>(call);
      expect(error.status).toBe(404);
      expect((error.error as { message: string }).message).toContain(created.id);
    }
    const continued = await failure<OpenAIFailure>(other.responses.create({ model: "test-model", input: "And?", previous_response_id: created.id }));
    expect(continued.status).toBe(404);
    expect((continued.error as { param: string }).param).toBe("previous_response_id");

    // Still there for its owner after the other token's attempts, and the owner can continue it.
    const next = await owner.responses.create({ model: "test-model", input: "And?", previous_response_id: created.id });
    expect(next.status).toBe("completed");
    await owner.responses.delete(created.id);
    expect((await failure<OpenAIFailure>(admin.responses.retrieve(created.id))).status).toBe(404);
  });
});

describe("scopeFor", () => {
  test("each route's scope; /v1 and bare paths alike; anything unlisted or oddly spelled needs admin", () => {
    const cases: [string, string, ReturnType<typeof scopeFor>][] = [
      ["POST", "/v1/chat/completions", "chat-completions"],
      ["POST", "/v1/chat/resume", "chat-completions"],
      ["POST", "/chat/resume", "chat-completions"],
      ["GET", "/v1/admin/groups", "admin"],
      ["POST", "/chat/completions", "chat-completions"],
      ["POST", "/v1/chat/completions/", "chat-completions"],
      ["POST", "/v1/messages", "messages"],
      ["POST", "/v1/messages/count_tokens", "messages"],
      ["POST", "/messages", "messages"],
      ["POST", "/v1/responses", "responses"],
      ["GET", "/v1/responses/resp_1", "responses"],
      ["DELETE", "/v1/responses/resp_1", "responses"],
      ["POST", "/v1/responses/resp_1/cancel", "responses"],
      ["GET", "/v1/responses/resp_1/input_items", "responses"],
      ["GET", "/v1/models", "models"],
      ["GET", "/models", "models"],
      ["GET", "/v1/models/org/other", "models"],
      ["POST", "/v1/models/test-model/load", "admin"],
      ["POST", "/v1/models/test-model/unload", "admin"],
      ["GET", "/v1/admin/tokens", "admin"],
      ["DELETE", "/v1/admin/tokens/tok_1", "admin"],
      ["GET", "/metrics", "metrics"],
      ["GET", "/v1/usage", "token"],
      ["GET", "/health", "open"],
      ["GET", "/openapi", "open"],
      ["GET", "/openapi/json", "open"],
      ["GET", "/", "admin"],
      ["GET", "/v1/something-new", "admin"],
      ["GET", "/v1/models/../admin/tokens", "admin"],
      ["GET", "/v1/models/%2e%2e/admin/tokens", "admin"],
      ["POST", "/v1/messages/../chat/completions", "admin"],
      ["POST", "/v1/chat/completions%2F", "admin"],
      ["GET", "/v1/health", "admin"],
      ["GET", "/healthz", "admin"],
    ];
    for (const [method, path, need] of cases) expect({ method, path, need: scopeFor(method, path) }).toEqual({ method, path, need });
  });
});
