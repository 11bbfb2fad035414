// Quotas from the usage ledger (a real one, in memory): requests per rolling minute with requests
// in flight counted exactly once, tokens per UTC day, credits per UTC month; 429 with Retry-After
// in each protocol's shape; concurrent requests on one token admitted exactly up to the limit.
import { beforeEach, describe, expect, test } from "bun:test";
import type { GenerateEvent, GenerateRequest } from "../../core/index.ts";
import { MeteredEngine } from "../../accounting/meteredEngine.ts";
import { QuotaGate } from "../../api/quota.ts";
import { createApp } from "../../server.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { TokenStore, type TokenQuotas, type TokenRecord } from "../../store/tokens.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

let ledger: UsageLedger;
let tokens: TokenStore;

beforeEach(() => {
  const db = openDatabase(":memory:");
  ledger = new UsageLedger(db);
  tokens = new TokenStore(db);
});

const token = (quotas: TokenQuotas): TokenRecord => tokens.create({ name: `q${tokens.count()}`, scopes: ["chat-completions", "messages", "models"], quotas }).token;

/** One finished request in the ledger, as the accounting layer writes it. */
function used(tokenId: string, startedAt: number, tokensUsed = 0, credits = 0, executionId: string = crypto.randomUUID()) {
  const row = ledger.begin({ requestId: "req_x", executionId, tokenId, endpoint: "chat-completions", model: "test-model", startedAt });
  ledger.finish(row, { promptTokens: tokensUsed, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0, durationMs: 5, status: 200, credits });
}

describe("QuotaGate", () => {
  test("requests per minute: the last 60 s count; Retry-After is when the oldest counted one leaves the window", () => {
    const gate = new QuotaGate(ledger);
    const t = token({ requestsPerMinute: 2 });
    const now = 1_900_000_000_000;
    used(t.id, now - 90_000); // outside the window
    used(t.id, now - 30_000);
    expect(gate.admit(t, "a", now)).toBeUndefined();
    used(t.id, now - 10_000, 0, 0, "a");
    gate.release(t.id, "a");
    const refused = gate.admit(t, "b", now);
    expect(refused?.retryAfter).toBe(30);
    expect(refused?.message).toContain("2 requests per minute");
    expect(gate.admit(t, "b", now + 30_001)).toBeUndefined();
  });

  test("a request in flight counts once: as a hold before its ledger row exists, as its row afterwards", () => {
    const gate = new QuotaGate(ledger);
    const t = token({ requestsPerMinute: 3 });
    const now = 1_900_000_000_000;
    for (const id of ["a", "b", "c"]) expect(gate.admit(t, id, now)).toBeUndefined();
    expect(gate.admit(t, "d", now)).toBeDefined();
    // Their rows appear while they still run: still three, not six.
    for (const id of ["a", "b", "c"]) used(t.id, now + 1, 0, 0, id);
    expect(gate.admit(t, "d", now + 2)).toBeDefined();
    for (const id of ["a", "b", "c"]) gate.release(t.id, id);
    expect(gate.admit(t, "d", now + 3)).toBeDefined();
    // A request refused before admission (no ledger row) frees its hold when its response is out.
    const other = token({ requestsPerMinute: 1 });
    expect(gate.admit(other, "x", now)).toBeUndefined();
    expect(gate.admit(other, "y", now)).toBeDefined();
    gate.release(other.id, "x");
    expect(gate.admit(other, "y", now)).toBeUndefined();
  });

  test("tokens per day: the UTC calendar day's prompt + completion tokens; Retry-After at 00:00 UTC", () => {
    const gate = new QuotaGate(ledger);
    const t = token({ tokensPerDay: 100 });
    const now = Date.UTC(2030, 0, 15, 18, 0, 0);
    used(t.id, Date.UTC(2030, 0, 14, 23, 59, 0), 5000); // yesterday
    used(t.id, Date.UTC(2030, 0, 15, 0, 0, 1), 60);
    expect(gate.admit(t, "a", now)).toBeUndefined();
    used(t.id, Date.UTC(2030, 0, 15, 12, 0, 0), 40);
    const refused = gate.admit(t, "b", now);
    expect(refused?.retryAfter).toBe(6 * 3600);
    expect(refused?.message).toContain("100 of 100 tokens per day");
    expect(gate.admit(t, "b", Date.UTC(2030, 0, 16, 0, 0, 0))).toBeUndefined();
    // Another token's usage is its own.
    expect(gate.admit(token({ tokensPerDay: 100 }), "c", now)).toBeUndefined();
  });

  test("credits per month: the UTC calendar month; Retry-After at the 1st, 00:00 UTC", () => {
    const gate = new QuotaGate(ledger);
    const t = token({ creditsPerMonth: 1.5 });
    const now = Date.UTC(2030, 1, 27, 0, 0, 0);
    used(t.id, Date.UTC(2030, 0, 31, 12), 0, 100);
    used(t.id, Date.UTC(2030, 1, 1, 0, 0, 0), 0, 1);
    expect(gate.admit(t, "a", now)).toBeUndefined();
    used(t.id, Date.UTC(2030, 1, 10), 0, 0.5);
    expect(gate.admit(t, "b", now)?.retryAfter).toBe(2 * 86400);
    expect(gate.admit(t, "b", Date.UTC(2030, 2, 1))).toBeUndefined();
  });
});

describe("UsageLedger.windowTotals (the quotas' running sums)", () => {
  test("read once, then kept equal to the ledger's own sums as rows finish; a new window reads again", () => {
    const t = token({ tokensPerDay: 1000 });
    const day = Date.UTC(2030, 0, 15);
    used(t.id, day - 1000, 500); // the day before: outside
    used(t.id, day + 10, 7, 0.5);
    // Begun before the first read, finished after it: counted once, when it finishes.
    const open = ledger.begin({ requestId: "req_o", executionId: crypto.randomUUID(), tokenId: t.id, endpoint: "messages", model: "m", startedAt: day + 20 });
    expect(ledger.windowTotals(t.id, "day", day)).toEqual({ tokens: 7, credits: 0.5 });
    ledger.finish(open, { promptTokens: 30, cachedTokens: 0, completionTokens: 3, reasoningTokens: 0, durationMs: 1, status: 200, credits: 1 });
    used(t.id, day + 30, 11, 0.25);
    used(token({}).id, day + 40, 99, 9); // another token's
    const sql = ledger.totals(t.id, day);
    expect(ledger.windowTotals(t.id, "day", day)).toEqual({ tokens: sql.tokens, credits: sql.credits });
    expect(sql.tokens).toBe(7 + 33 + 11);
    // The next day is a new window: summed afresh from the file.
    used(t.id, day + 86_400_000 + 5, 2);
    expect(ledger.windowTotals(t.id, "day", day + 86_400_000)).toEqual({ tokens: 2, credits: 0 });
  });
});

describe("quotas over HTTP", () => {
  /** An engine whose generations wait for open(): requests stay in flight as long as a test needs. */
  class GatedEngine extends ScriptedEngine {
    #open!: () => void;
    readonly gate = new Promise<void>((resolve) => (this.#open = resolve));
    started = 0;
    open = () => this.#open();
    override async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
      this.started++;
      await this.gate;
      yield* super.generate(req, signal);
    }
  }

  const post = (app: ReturnType<typeof createApp>, path: string, secret: string, body: unknown, header = "authorization") =>
    app.handle(
      new Request(`http://localhost${path}`, {
        method: "POST",
        headers: { [header]: header === "authorization" ? `Bearer ${secret}` : secret, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  const chatBody = { model: "test-model", messages: [{ role: "user", content: "Hi" }] };
  const messagesBody = { model: "test-model", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] };

  test("over quota: 429 with Retry-After, OpenAI's body with request_id, Anthropic's body; other routes still answer", async () => {
    const app = createApp(new ScriptedEngine(), { auth: { tokens, ledger } });
    const { token: t, secret } = tokens.create({ name: "busy", scopes: ["chat-completions", "messages", "models"], quotas: { requestsPerMinute: 1 } });
    used(t.id, Date.now() - 20_000);

    const openai = await post(app, "/v1/chat/completions", secret, chatBody);
    expect(openai.status).toBe(429);
    const retryAfter = Number(openai.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(39);
    expect(retryAfter).toBeLessThanOrEqual(41);
    const body = (await openai.json()) as { error: { type: string; code: string; request_id: string } };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "quota_exceeded" });
    expect(body.error.request_id).toBe(openai.headers.get("x-request-id")!);

    const anthropic = await post(app, "/v1/messages", secret, messagesBody, "x-api-key");
    expect(anthropic.status).toBe(429);
    expect(anthropic.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });

    // Quotas count generations: listing models is not one.
    const models = await app.handle(new Request("http://localhost/v1/models", { headers: { authorization: `Bearer ${secret}` } }));
    expect(models.status).toBe(200);
  });

  test("with the ledger written by the metered engine: finished requests keep counting, per minute and per day", async () => {
    const app = createApp(new MeteredEngine(new ScriptedEngine(), ledger), { auth: { tokens, ledger } });
    const perMinute = tokens.create({ name: "rpm", scopes: ["chat-completions"], quotas: { requestsPerMinute: 2 } }).secret;
    expect((await post(app, "/v1/chat/completions", perMinute, chatBody)).status).toBe(200);
    expect((await post(app, "/v1/chat/completions", perMinute, chatBody)).status).toBe(200);
    const third = await post(app, "/v1/chat/completions", perMinute, chatBody);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
    // A request refused by validation never reached the ledger: it does not count.
    const other = tokens.create({ name: "rpm1", scopes: ["chat-completions"], quotas: { requestsPerMinute: 1 } }).secret;
    expect((await post(app, "/v1/chat/completions", other, { model: "test-model" })).status).toBe(400);
    expect((await post(app, "/v1/chat/completions", other, chatBody)).status).toBe(200);
    expect((await post(app, "/v1/chat/completions", other, chatBody)).status).toBe(429);

    // Each scripted answer is 5 prompt + 2 completion tokens: the third request is over 14.
    const perDay = tokens.create({ name: "day", scopes: ["messages"], quotas: { tokensPerDay: 14 } }).secret;
    expect((await post(app, "/v1/messages", perDay, messagesBody, "x-api-key")).status).toBe(200);
    expect((await post(app, "/v1/messages", perDay, messagesBody, "x-api-key")).status).toBe(200);
    const over = await post(app, "/v1/messages", perDay, messagesBody, "x-api-key");
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain("14 of 14 tokens per day");
  });

  test("concurrent requests on one token: exactly the limit is admitted, the rest get 429", async () => {
    const engine = new GatedEngine();
    const app = createApp(engine, { auth: { tokens, ledger } });
    const { secret } = tokens.create({ name: "burst", scopes: ["chat-completions"], quotas: { requestsPerMinute: 3 } });
    const answered: number[] = [];
    let fiveAnswered!: () => void;
    const five = new Promise<void>((resolve) => (fiveAnswered = resolve));
    const pending = Array.from({ length: 8 }, () =>
      post(app, "/v1/chat/completions", secret, chatBody).then((r) => {
        answered.push(r.status);
        if (answered.length === 5) fiveAnswered();
        return r.status;
      }),
    );
    // While the engine holds the admitted ones, only refusals can answer: five of them.
    let timer: Timer | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${answered.length} answers while generations are held: ${answered}`)), 10_000);
    });
    await Promise.race([five, guard]).finally(() => clearTimeout(timer));
    expect(answered).toEqual([429, 429, 429, 429, 429]);
    engine.open();
    const statuses = await Promise.all(pending);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(engine.started).toBe(3);
  });
});
