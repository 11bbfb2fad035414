// GET /v1/usage over a real ledger: sums per model and day (and token, endpoint), time ranges in
// each accepted form, refusals in OpenAI's shape, and who sees what through the real auth plugin
// (a token its own usage, an admin every token's). Then usage made by real requests, 20 of them
// at once on one token, adds up to what the answers reported.
import { describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { GenerateEvent, GenerateRequest } from "../../core/index.ts";
import { openDatabase } from "../../store/database.ts";
import type { UsageLedger, UsageStart } from "../../store/ledger.ts";
import { SCOPES, TokenStore, type Scope } from "../../store/tokens.ts";
import { usage } from "../support/scriptedEngine.ts";
import { accountedApp, PricedEngine } from "../accounting/pricedEngine.ts";

const at = (iso: string) => Date.parse(iso);

/** One finished (or, without `end`, open) row. */
function record(ledger: UsageLedger, start: Partial<UsageStart> & { startedAt: number }, end?: { prompt?: number; cached?: number; completion?: number; reasoning?: number; status?: number; credits?: number }) {
  const id = ledger.begin({ requestId: "r", executionId: crypto.randomUUID(), tokenId: null, endpoint: "chat-completions", model: "a", ...start });
  if (end)
    ledger.finish(id, {
      promptTokens: end.prompt ?? 0,
      cachedTokens: end.cached ?? 0,
      completionTokens: end.completion ?? 0,
      reasoningTokens: end.reasoning ?? 0,
      durationMs: 10,
      status: end.status ?? 200,
      credits: end.credits ?? 0,
    });
}

/** The rows every test below reads. */
function seed(ledger: UsageLedger) {
  record(ledger, { startedAt: at("2026-02-28T12:00:00Z") }, { prompt: 100, completion: 100, credits: 8 });
  record(ledger, { startedAt: at("2026-03-01T10:00:00Z"), tokenId: "t1" }, { prompt: 10, cached: 4, completion: 5, reasoning: 1, credits: 0.5 });
  record(ledger, { startedAt: at("2026-03-01T23:59:59Z"), tokenId: "t2", endpoint: "messages" }, { prompt: 20, completion: 10, credits: 1 });
  record(ledger, { startedAt: at("2026-03-01T11:00:00Z"), tokenId: "t1", model: "b" }, { status: 400 });
  record(ledger, { startedAt: at("2026-03-02T00:00:00Z"), tokenId: "t1", endpoint: "responses" }, { prompt: 1, completion: 1, status: 499, credits: 0.25 });
  record(ledger, { startedAt: at("2026-03-02T08:00:00Z"), tokenId: "t2" });
}

const sums = (s: Partial<Record<string, number>>) => ({
  requests: 1,
  errors: 0,
  in_flight: 0,
  prompt_tokens: 0,
  cached_tokens: 0,
  completion_tokens: 0,
  reasoning_tokens: 0,
  total_tokens: (s.prompt_tokens ?? 0) + (s.completion_tokens ?? 0),
  credits: 0,
  ...s,
});

function setup(auth = false) {
  const tokens = new TokenStore(openDatabase(":memory:"));
  const { app, ledger } = accountedApp(new PricedEngine(), auth ? { auth: { tokens, ledger: undefined as never } } : {});
  const get = async (query = "", secret?: string) => {
    const r = await app.handle(new Request(`http://localhost/v1/usage${query}`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} }));
    return { status: r.status, body: (await r.json()) as any };
  };
  return { app, ledger, tokens, get };
}

describe("GET /v1/usage (auth off: everything)", () => {
  test("per model and day by default, ordered, with the overall total", async () => {
    const { ledger, get } = setup();
    seed(ledger);
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: "usage.report", from: null, to: null, token_id: null, group_by: ["model", "day"] });
    expect(body.data).toEqual([
      { model: "a", day: "2026-02-28", ...sums({ prompt_tokens: 100, completion_tokens: 100, credits: 8 }) },
      { model: "a", day: "2026-03-01", ...sums({ requests: 2, prompt_tokens: 30, cached_tokens: 4, completion_tokens: 15, reasoning_tokens: 1, credits: 1.5 }) },
      { model: "a", day: "2026-03-02", ...sums({ requests: 2, errors: 1, in_flight: 1, prompt_tokens: 1, completion_tokens: 1, credits: 0.25 }) },
      { model: "b", day: "2026-03-01", ...sums({ errors: 1 }) },
    ]);
    expect(body.total).toEqual(
      sums({ requests: 6, errors: 2, in_flight: 1, prompt_tokens: 131, cached_tokens: 4, completion_tokens: 116, reasoning_tokens: 1, credits: 9.75 }),
    );
  });

  test("group_by token, endpoint, several, or none (the total only)", async () => {
    const { ledger, get } = setup();
    seed(ledger);
    expect((await get("?group_by=token")).body.data.map((b: any) => [b.token_id, b.requests])).toEqual([[null, 1], ["t1", 3], ["t2", 2]]);
    expect((await get("?group_by=endpoint,token")).body.data.map((b: any) => [b.endpoint, b.token_id, b.requests])).toEqual([
      ["chat-completions", null, 1],
      ["chat-completions", "t1", 2],
      ["chat-completions", "t2", 1],
      ["messages", "t2", 1],
      ["responses", "t1", 1],
    ]);
    const none = (await get("?group_by=")).body;
    expect(none.data).toEqual([]);
    expect(none.total.requests).toBe(6);
  });

  test("from and to: dates (to includes its day), Unix seconds, ISO date-times", async () => {
    const { ledger, get } = setup();
    seed(ledger);
    const days = async (q: string) => (await get(`${q}&group_by=day`)).body.data.map((b: any) => [b.day, b.requests]);
    expect(await days("?from=2026-03-01&to=2026-03-01")).toEqual([["2026-03-01", 3]]);
    expect(await days(`?from=${at("2026-03-01T00:00:00Z") / 1000}&to=${at("2026-03-02T00:00:00Z") / 1000}`)).toEqual([["2026-03-01", 3]]);
    // `to` is exclusive: a row at 23:59:59 is out of a range ending then.
    expect(await days("?from=2026-03-01T10:00:00Z&to=2026-03-01T23:59:59Z")).toEqual([["2026-03-01", 2]]);
    // 12:00 at +02:00 is 10:00 UTC: the 10:00, 11:00 and 23:59:59 rows of that day.
    expect(await days("?from=2026-03-01T12:00:00%2B02:00")).toEqual([["2026-03-01", 3], ["2026-03-02", 2]]);
    const { body } = await get("?from=2026-03-02");
    expect(body.from).toBe("2026-03-02T00:00:00.000Z");
    expect(body.total.requests).toBe(2);
  });

  test("token_id narrows to one token", async () => {
    const { ledger, get } = setup();
    seed(ledger);
    const { body } = await get("?token_id=t2&group_by=");
    expect(body.token_id).toBe("t2");
    expect(body.total).toMatchObject({ requests: 2, prompt_tokens: 20, in_flight: 1 });
  });

  test("bad parameters: 400 in OpenAI's shape naming the parameter", async () => {
    const { get } = setup();
    const cases: [string, string][] = [
      ["?from=yesterday", "from"],
      ["?to=2026-02-31", "to"],
      ["?from=2026-03-01T10:00:00", "from"],
      ["?from=2026-03-02&to=2026-03-01", "from"],
      ["?group_by=model,colour", "group_by"],
      ["?since=2026-03-01", "since"],
    ];
    for (const [query, param] of cases) {
      const { status, body } = await get(query);
      expect([query, status]).toEqual([query, 400]);
      expect(body.error).toMatchObject({ type: "invalid_request_error", param });
    }
  });
});

describe("GET /v1/usage with auth", () => {
  const mint = (tokens: TokenStore, name: string, scopes: Scope[]) => tokens.create({ name, scopes });

  test("a token sees its own usage; another token's is 403; an admin sees every token's or one", async () => {
    const { ledger, tokens, get } = setup(true);
    const user = mint(tokens, "user", ["chat-completions"]);
    const other = mint(tokens, "other", ["chat-completions"]);
    const admin = mint(tokens, "admin", [...SCOPES]);
    record(ledger, { startedAt: Date.now(), tokenId: user.token.id }, { prompt: 3, completion: 4, credits: 1 });
    record(ledger, { startedAt: Date.now(), tokenId: other.token.id }, { prompt: 30, completion: 40, credits: 10 });

    const own = await get("?group_by=token", user.secret);
    expect(own.status).toBe(200);
    expect(own.body.token_id).toBe(user.token.id);
    expect(own.body.data).toEqual([{ token_id: user.token.id, ...sums({ prompt_tokens: 3, completion_tokens: 4, credits: 1 }) }]);
    expect((await get(`?token_id=${user.token.id}`, user.secret)).status).toBe(200);
    const peek = await get(`?token_id=${other.token.id}`, user.secret);
    expect(peek.status).toBe(403);
    expect(peek.body.error).toMatchObject({ type: "permission_error", param: "token_id" });

    const all = await get("?group_by=token", admin.secret);
    expect(all.body.token_id).toBeNull();
    expect(all.body.total).toMatchObject({ requests: 2, credits: 11 });
    expect((await get(`?token_id=${other.token.id}`, admin.secret)).body.total).toMatchObject({ requests: 1, prompt_tokens: 30 });

    expect((await get("")).status).toBe(401);
  });

  test("20 concurrent requests on one token: the ledger adds up to the usage and credits the answers reported", async () => {
    // Each request's prompt length comes from its message, so every answer's usage differs.
    const script = (req: GenerateRequest): GenerateEvent[] => {
      const n = req.messages[0]!.content[0]!.text!.length;
      return [{ type: "start", promptTokens: n }, { type: "text", text: "ok" }, { type: "done", finishReason: "eos", usage: { ...usage, promptTokens: n, completionTokens: n % 7 + 1 } }];
    };
    const tokens = new TokenStore(openDatabase(":memory:"));
    const { app } = accountedApp(new PricedEngine(script, { delayMs: 1 }), { auth: { tokens, ledger: undefined as never } });
    const { secret, token } = tokens.create({ name: "busy", scopes: ["chat-completions"] });
    const client = new OpenAI({ apiKey: secret, baseURL: "http://localhost/v1", fetch: (url, init) => app.handle(new Request(url, init)), maxRetries: 0 });
    type Answer = OpenAI.ChatCompletion & { kitemesh: { credits_charged: number } };
    const answers = (await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.chat.completions.create({ model: "test-model", messages: [{ role: "user", content: "x".repeat(i + 1) }] })),
    )) as Answer[];
    const r = await app.handle(new Request("http://localhost/v1/usage?group_by=token", { headers: { authorization: `Bearer ${secret}` } }));
    const body = (await r.json()) as any;
    const reported = (key: "prompt_tokens" | "completion_tokens") => answers.reduce((s, a) => s + a.usage![key], 0);
    expect(body.data).toHaveLength(1);
    expect(body.data[0].token_id).toBe(token.id);
    expect(body.total).toMatchObject({ requests: 20, errors: 0, in_flight: 0, prompt_tokens: reported("prompt_tokens"), completion_tokens: reported("completion_tokens") });
    expect(body.total.credits).toBeCloseTo(answers.reduce((s, a) => s + a.kitemesh.credits_charged, 0), 6);
    expect(body.total.credits).toBeGreaterThan(0);
  });
});
