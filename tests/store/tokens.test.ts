// The token store on a real database file: secrets never stored, lookups by hash, names, revocation,
// limits and quotas kept, expiry parsing, and the refusals naming their field.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../store/database.ts";
import { parseExpiry, parseScopes, SCOPES, TokenError, TokenStore } from "../../store/tokens.ts";

const dir = mkdtempSync(join(tmpdir(), "bunllama-tokens-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open = (name: string) => {
  const db = openDatabase(join(dir, name));
  return { db, tokens: new TokenStore(db) };
};

describe("TokenStore", () => {
  test("a secret is bl_ + 43 base64url characters, verifies to its token, and never reaches the database file", () => {
    const { db, tokens } = open("secret.sqlite");
    const { token, secret } = tokens.create({ name: "ci", scopes: ["messages"] });
    expect(secret).toMatch(/^bl_[A-Za-z0-9_-]{43}$/);
    expect(token.prefix).toBe(secret.slice(0, 8));
    expect(tokens.verify(secret)?.id).toBe(token.id);
    db.close();
    // Every file of the database (WAL included) is free of the secret and of its random part.
    for (const file of readdirSync(dir).filter((f) => f.startsWith("secret.sqlite"))) {
      const bytes = readFileSync(join(dir, file)).toString("latin1");
      expect(bytes.includes(secret.slice(3))).toBe(false);
    }
  });

  test("unknown, altered and foreign secrets verify to nothing", () => {
    const { tokens } = open("verify.sqlite");
    const { secret } = tokens.create({ name: "a", scopes: ["models"] });
    expect(tokens.verify(`${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
    expect(tokens.verify(secret.slice(3))).toBeUndefined();
    expect(tokens.verify("sk-anything")).toBeUndefined();
    expect(tokens.verify("")).toBeUndefined();
  });

  test("limits and quotas are kept; list and get never carry a secret or hash", () => {
    const { tokens } = open("fields.sqlite");
    const expiresAt = Date.now() + 86_400_000;
    const { token, secret } = tokens.create({
      name: "team",
      scopes: ["chat-completions", "responses", "chat-completions"],
      models: ["pro", "org/other"],
      groups: ["g1"],
      expiresAt,
      quotas: { requestsPerMinute: 10, tokensPerDay: 5000, creditsPerMonth: 2.5 },
    });
    expect(token).toMatchObject({
      name: "team",
      scopes: ["chat-completions", "responses"],
      models: ["pro", "org/other"],
      groups: ["g1"],
      expiresAt,
      quotas: { requestsPerMinute: 10, tokensPerDay: 5000, creditsPerMonth: 2.5 },
    });
    expect(token.revokedAt).toBeUndefined();
    const listed = tokens.list();
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(3));
    expect(Object.keys(listed[0]!)).not.toContain("hash");
    expect(tokens.get("team")?.id).toBe(token.id);
    expect(tokens.get(token.id)?.name).toBe("team");
  });

  test("revoke by id or name takes effect for the next verify; the name is free again afterwards", () => {
    const { tokens } = open("revoke.sqlite");
    const first = tokens.create({ name: "svc", scopes: ["messages"] });
    expect(() => tokens.create({ name: "svc", scopes: ["messages"] })).toThrow(TokenError);
    const revoked = tokens.revoke("svc", 1_000_000);
    expect(revoked?.revokedAt).toBe(1_000_000);
    expect(tokens.verify(first.secret)?.revokedAt).toBe(1_000_000);
    // A second revocation keeps the first time.
    expect(tokens.revoke(first.token.id, 2_000_000)?.revokedAt).toBe(1_000_000);
    const second = tokens.create({ name: "svc", scopes: ["messages"] });
    expect(tokens.get("svc")?.id).toBe(second.token.id);
    expect(tokens.revoke("nobody")).toBeUndefined();
    expect(tokens.count()).toBe(2);
  });

  test("survives reopening the file (another process, a restart)", () => {
    const a = open("reopen.sqlite");
    const { secret } = a.tokens.create({ name: "kept", scopes: ["admin"] });
    a.db.close();
    const b = open("reopen.sqlite");
    expect(b.tokens.verify(secret)?.name).toBe("kept");
    b.db.close();
  });

  test("last use is recorded, at most once a minute", () => {
    const { tokens } = open("touch.sqlite");
    const { token } = tokens.create({ name: "t", scopes: ["models"] });
    tokens.touch(token.id, 1_000_000);
    tokens.touch(token.id, 1_030_000);
    expect(tokens.get(token.id)?.lastUsedAt).toBe(1_000_000);
    tokens.touch(token.id, 1_070_000);
    expect(tokens.get(token.id)?.lastUsedAt).toBe(1_070_000);
  });

  test("refusals name their field", () => {
    const { tokens } = open("refuse.sqlite");
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as TokenError).field;
      }
      return "accepted";
    };
    expect(field(() => tokens.create({ name: "", scopes: ["admin"] }))).toBe("name");
    expect(field(() => tokens.create({ name: "has space", scopes: ["admin"] }))).toBe("name");
    expect(field(() => tokens.create({ name: "tok_x", scopes: ["admin"] }))).toBe("name");
    expect(field(() => tokens.create({ name: "a", scopes: [] }))).toBe("scopes");
    expect(field(() => tokens.create({ name: "a", scopes: ["chat" as never] }))).toBe("scopes");
    expect(field(() => tokens.create({ name: "a", scopes: ["admin"], models: [] }))).toBe("models");
    expect(field(() => tokens.create({ name: "a", scopes: ["admin"], expiresAt: Date.now() - 1 }))).toBe("expires_at");
    expect(field(() => tokens.create({ name: "a", scopes: ["admin"], quotas: { requestsPerMinute: 0 } }))).toBe("requests_per_minute");
    expect(field(() => tokens.create({ name: "a", scopes: ["admin"], quotas: { tokensPerDay: 1.5 } }))).toBe("tokens_per_day");
    expect(field(() => tokens.create({ name: "a", scopes: ["admin"], quotas: { creditsPerMonth: -1 } }))).toBe("credits_per_month");
    expect(tokens.count()).toBe(0);
  });
});

describe("parseExpiry and parseScopes", () => {
  test("durations count from now; ISO dates are absolute; anything else is refused", () => {
    const now = 1_700_000_000_000;
    expect(parseExpiry("30d", now)).toBe(now + 30 * 86_400_000);
    expect(parseExpiry("12h", now)).toBe(now + 12 * 3_600_000);
    expect(parseExpiry("90m", now)).toBe(now + 90 * 60_000);
    expect(parseExpiry("2w", now)).toBe(now + 14 * 86_400_000);
    expect(parseExpiry("45s", now)).toBe(now + 45_000);
    expect(parseExpiry("2030-01-02", now)).toBe(Date.UTC(2030, 0, 2));
    expect(parseExpiry("2030-01-02T03:04:05Z", now)).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    for (const bad of ["30", "tomorrow", "30 days", "-1d", "1y"]) expect(() => parseExpiry(bad, now)).toThrow(TokenError);
  });

  test("all stands for every scope", () => {
    expect(parseScopes(["all"])).toEqual([...SCOPES]);
    expect(parseScopes(["messages"])).toEqual(["messages"]);
  });
});
