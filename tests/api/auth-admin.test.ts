// The admin token endpoints: create (the secret answered once, usable at once), list (never a
// secret), revoke (at once, by id or name); the admin scope required; bad bodies refused naming
// the field; documented under "Admin"; absent with auth off.
import { beforeEach, describe, expect, test } from "bun:test";
import { createApp } from "../../server.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { TokenStore } from "../../store/tokens.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

let tokens: TokenStore;
let app: ReturnType<typeof createApp>;
let admin: string;

beforeEach(() => {
  const db = openDatabase(":memory:");
  tokens = new TokenStore(db);
  app = createApp(new ScriptedEngine(), { auth: { tokens, ledger: new UsageLedger(db) } });
  admin = tokens.create({ name: "admin", scopes: ["admin"] }).secret;
});

async function call(method: string, path: string, secret: string | undefined, body?: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret) headers.authorization = `Bearer ${secret}`;
  const res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as any };
}

const chat = (secret: string) => call("POST", "/v1/chat/completions", secret, { model: "test-model", messages: [{ role: "user", content: "Hi" }] });

describe("admin token endpoints", () => {
  test("create answers the secret once; it works at once; list shows the token without it; revoke stops it at once", async () => {
    const created = await call("POST", "/v1/admin/tokens", admin, {
      name: "app",
      scopes: ["chat-completions"],
      models: ["default"],
      groups: ["team-a"],
      expires_in: "1d",
      requests_per_minute: 30,
      tokens_per_day: 100000,
      credits_per_month: 12.5,
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^bl_/);
    expect(created.body).toMatchObject({
      object: "api_token",
      name: "app",
      prefix: secret.slice(0, 8),
      scopes: ["chat-completions"],
      models: ["default"],
      groups: ["team-a"],
      quotas: { requests_per_minute: 30, tokens_per_day: 100000, credits_per_month: 12.5 },
      revoked_at: null,
      last_used_at: null,
    });
    expect(Math.abs(created.body.expires_at - (Date.now() / 1000 + 86400))).toBeLessThan(5);
    expect((await chat(secret)).status).toBe(200);

    const listed = await call("GET", "/v1/admin/tokens", admin);
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(["admin", "app"]);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(secret.slice(3));
    expect(text).not.toContain('"secret"');
    expect(text).not.toContain("hash");
    // The chat request above was a use of the token.
    expect(listed.body.data[1].last_used_at).toBeGreaterThan(0);

    const revoked = await call("DELETE", `/v1/admin/tokens/${created.body.id}`, admin);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBeGreaterThan(0);
    const after = await chat(secret);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("token_revoked");
  });

  test("revoke by name; an unknown id or name is 404", async () => {
    const { secret } = tokens.create({ name: "worker", scopes: ["chat-completions"] });
    expect((await call("DELETE", "/v1/admin/tokens/worker", admin)).status).toBe(200);
    expect((await chat(secret)).status).toBe(401);
    const missing = await call("DELETE", "/v1/admin/tokens/nobody", admin);
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe("not_found_error");
  });

  test("all stands for every scope", async () => {
    const created = await call("POST", "/v1/admin/tokens", admin, { name: "root2", scopes: ["all"] });
    expect(created.body.scopes).toEqual(["chat-completions", "messages", "responses", "models", "metrics", "admin"]);
  });

  test("the admin scope is required: 401 without a token, 403 with another scope", async () => {
    const { secret } = tokens.create({ name: "user", scopes: ["chat-completions", "models", "messages", "responses", "metrics"] });
    for (const [method, path] of [["GET", "/v1/admin/tokens"], ["POST", "/v1/admin/tokens"], ["DELETE", "/v1/admin/tokens/admin"]] as const) {
      expect((await call(method, path, undefined, method === "POST" ? { name: "x", scopes: ["all"] } : undefined)).status).toBe(401);
      const refused = await call(method, path, secret, method === "POST" ? { name: "x", scopes: ["all"] } : undefined);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("insufficient_scope");
    }
    expect(tokens.get("x")).toBeUndefined();
    expect(tokens.get("admin")?.revokedAt).toBeUndefined();
  });

  test("bad bodies are 400 naming the field; a taken name is 409", async () => {
    const cases: [unknown, string][] = [
      [{ name: "a", scopes: ["chat"] }, "scopes[0]"],
      [{ name: "a", scopes: [] }, "scopes"],
      [{ scopes: ["messages"] }, "name"],
      [{ name: "a", scopes: ["messages"], rpm: 5 }, "rpm"],
      [{ name: "a", scopes: ["messages"], requests_per_minute: 0 }, "requests_per_minute"],
      [{ name: "a", scopes: ["messages"], tokens_per_day: 2.5 }, "tokens_per_day"],
      [{ name: "a", scopes: ["messages"], expires_in: "soon" }, "expires_in"],
      [{ name: "a", scopes: ["messages"], expires_in: "1d", expires_at: "2099-01-01T00:00:00Z" }, "expires_in"],
      [{ name: "a", scopes: ["messages"], expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
      [{ name: "a", scopes: ["messages"], expires_at: 1000 }, "expires_at"],
      [{ name: "tok_a", scopes: ["messages"] }, "name"],
      [{ name: "a", scopes: ["messages"], models: [] }, "models"],
    ];
    for (const [body, param] of cases) {
      const res = await call("POST", "/v1/admin/tokens", admin, body);
      expect({ body, status: res.status, param: res.body.error?.param }).toEqual({ body, status: 400, param });
    }
    const stray = await call("POST", "/v1/admin/tokens", admin, { name: "a", scopes: ["messages"], rpm: 5 });
    expect(stray.body.error).toMatchObject({ code: "unknown_parameter", message: "Unknown parameter: 'rpm'." });
    expect((await call("POST", "/v1/admin/tokens", admin, "{not json")).status).toBe(400);
    const taken = await call("POST", "/v1/admin/tokens", admin, { name: "admin", scopes: ["messages"] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.param).toBe("name");
    expect(tokens.count()).toBe(1);
  });

  test("documented in the OpenAPI document under Admin", async () => {
    const doc = (await (await app.handle(new Request("http://localhost/openapi/json"))).json()) as any;
    expect(doc.paths["/v1/admin/tokens"].post.tags).toEqual(["Admin"]);
    expect(doc.paths["/v1/admin/tokens"].get.tags).toEqual(["Admin"]);
    expect(doc.paths["/v1/admin/tokens/{id}"].delete.tags).toEqual(["Admin"]);
    expect(Object.keys(doc.paths["/v1/admin/tokens"].post.responses)).toContain("201");
  });

  test("with auth off there are no admin token endpoints and no token is asked for", async () => {
    const off = createApp(new ScriptedEngine());
    expect((await off.handle(new Request("http://localhost/v1/admin/tokens"))).status).toBe(404);
    const res = await off.handle(
      new Request("http://localhost/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "test-model", messages: [{ role: "user", content: "Hi" }] }) }),
    );
    expect(res.status).toBe(200);
  });
});
