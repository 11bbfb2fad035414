// MeteredEngine over the scripted engine and a real bun:sqlite ledger: the row opened at admission
// (visible to another connection while the request runs), finished once with the usage, status
// and credits; the receipt on "done"; errors, disconnects and failures each recorded as such.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MeteredEngine } from "../../accounting/meteredEngine.ts";
import type { GenerateEvent, GenerateRequest, RequestCaller } from "../../core/index.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { HELLO, ScriptedEngine, usage } from "../support/scriptedEngine.ts";
import { PricedEngine } from "./pricedEngine.ts";

interface Row {
  request_id: string;
  execution_id: string;
  token_id: string | null;
  endpoint: string;
  model: string;
  mode: string | null;
  started_at: number;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  duration_ms: number | null;
  status: number | null;
  credits: number;
}

let dir: string;
let db: Database;
let ledger: UsageLedger;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bunllama-ledger-"));
  db = openDatabase(join(dir, "accounts.sqlite"));
  ledger = new UsageLedger(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows as another connection sees them: only what was committed to the file. */
function committedRows(): Row[] {
  const other = openDatabase(join(dir, "accounts.sqlite"));
  try {
    return other.query<Row, []>("SELECT * FROM usage ORDER BY id").all();
  } finally {
    other.close();
  }
}

const caller = (over: Partial<RequestCaller> = {}): RequestCaller => ({
  requestId: "req_demo_001",
  executionId: crypto.randomUUID(),
  endpoint: "chat-completions",
  tokenId: "tok_1",
  mode: "batch",
  ...over,
});

const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: "default",
  messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
  sampling: {},
  stop: [],
  returnPrompt: false,
  caller: caller(),
  ...over,
});

async function drain(events: AsyncIterable<GenerateEvent>): Promise<GenerateEvent[]> {
  const all: GenerateEvent[] = [];
  for await (const ev of events) all.push(ev);
  return all;
}

describe("MeteredEngine", () => {
  test("a finished generation: one row with the caller's ids, the model id, usage, 200 and credits; done carries the receipt", async () => {
    const metered = new MeteredEngine(new PricedEngine(), ledger);
    const req = request();
    const before = Date.now();
    const events = await drain(metered.generate(req, new AbortController().signal));

    // Everything but "done" passes through as is.
    expect(events.slice(0, -1)).toEqual(HELLO.slice(0, -1));
    const credits = (5 * 2 + 2 * 10) / 1000;
    expect(events.at(-1)).toEqual({
      type: "done",
      finishReason: "eos",
      usage,
      receipt: { executionId: req.caller!.executionId, requestId: "req_demo_001", creditsCharged: credits },
    });
    const rows = committedRows();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      request_id: "req_demo_001",
      execution_id: req.caller!.executionId,
      token_id: "tok_1",
      endpoint: "chat-completions",
      // "default" is an alias: the row names the model itself.
      model: "test-model",
      mode: "batch",
      prompt_tokens: 5,
      cached_tokens: 0,
      completion_tokens: 2,
      reasoning_tokens: 0,
      status: 200,
    });
    expect(row.credits).toBeCloseTo(credits, 9);
    expect(row.started_at).toBeGreaterThanOrEqual(before);
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
  });

  test("cached and reasoning tokens are recorded; cached prompt tokens are charged like the rest", async () => {
    const u = { ...usage, promptTokens: 1000, cachedPromptTokens: 600, completionTokens: 500, reasoningTokens: 200 };
    const metered = new MeteredEngine(new PricedEngine([{ type: "start", promptTokens: 1000 }, { type: "done", finishReason: "eos", usage: u }]), ledger);
    const events = await drain(metered.generate(request(), new AbortController().signal));
    const receipt = (events.at(-1) as Extract<GenerateEvent, { type: "done" }>).receipt!;
    expect(receipt.creditsCharged).toBeCloseTo(2 + 5, 9);
    expect(committedRows()[0]).toMatchObject({ prompt_tokens: 1000, cached_tokens: 600, completion_tokens: 500, reasoning_tokens: 200, credits: 7 });
  });

  test("the row exists from admission, open (status null) while the request runs", async () => {
    const metered = new MeteredEngine(new PricedEngine(), ledger);
    const it = metered.generate(request(), new AbortController().signal)[Symbol.asyncIterator]();
    expect(committedRows()).toHaveLength(0);
    await it.next();
    // What a crash now would leave: the open row, and nothing else lost.
    expect(committedRows()).toMatchObject([{ status: null, prompt_tokens: 0, credits: 0, duration_ms: null }]);
    while (!(await it.next()).done);
    expect(committedRows()).toMatchObject([{ status: 200, prompt_tokens: 5, completion_tokens: 2 }]);
  });

  test("a model without a price costs nothing", async () => {
    const metered = new MeteredEngine(new ScriptedEngine(), ledger);
    const events = await drain(metered.generate(request(), new AbortController().signal));
    expect((events.at(-1) as Extract<GenerateEvent, { type: "done" }>).receipt!.creditsCharged).toBe(0);
    expect(committedRows()[0]).toMatchObject({ status: 200, credits: 0, prompt_tokens: 5 });
  });

  test("an error before start: its protocol's status and no credits", async () => {
    const overloaded: GenerateEvent[] = [{ type: "error", error: { kind: "overloaded", code: "queue_full", message: "busy" } }];
    const tooLong: GenerateEvent[] = [{ type: "error", error: { kind: "context_exceeded", code: "context_length_exceeded", message: "long" } }];
    const metered = (script: GenerateEvent[]) => new MeteredEngine(new PricedEngine(script), ledger);
    await drain(metered(overloaded).generate(request(), new AbortController().signal));
    await drain(metered(overloaded).generate(request({ caller: caller({ endpoint: "messages" }) }), new AbortController().signal));
    await drain(metered(tooLong).generate(request({ caller: caller({ endpoint: "responses" }) }), new AbortController().signal));
    expect(committedRows().map((r) => [r.endpoint, r.status, r.credits, r.prompt_tokens])).toEqual([
      ["chat-completions", 503, 0, 0],
      // Anthropic answers an overloaded server with 529.
      ["messages", 529, 0, 0],
      ["responses", 400, 0, 0],
    ]);
  });

  test("an error after start: the tokens consumed are recorded, nothing is charged", async () => {
    const script: GenerateEvent[] = [
      { type: "start", promptTokens: 7 },
      { type: "text", text: "a" },
      { type: "reasoning", text: "b" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "crashed" } },
    ];
    const events = await drain(new MeteredEngine(new PricedEngine(script), ledger).generate(request(), new AbortController().signal));
    expect(events).toEqual(script);
    expect(committedRows()).toMatchObject([{ status: 500, prompt_tokens: 7, completion_tokens: 2, credits: 0 }]);
  });

  test("a client that stops reading before the end: 499, the tokens so far, charged for them", async () => {
    const scripted = new PricedEngine();
    const it = new MeteredEngine(scripted, ledger).generate(request(), new AbortController().signal)[Symbol.asyncIterator]();
    await it.next(); // start: 5 prompt tokens
    await it.next(); // one text event
    await it.return!();
    // The engine's own iterator was returned too (that cancels the sequence).
    expect(scripted.closed).toBe(true);
    const rows = committedRows();
    expect(rows).toMatchObject([{ status: 499, prompt_tokens: 5, completion_tokens: 1 }]);
    expect(rows[0]!.credits).toBeCloseTo((5 * 2 + 1 * 10) / 1000, 9);
    // Finished once: a later next() changes nothing.
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(committedRows()).toEqual(rows);
  });

  test("the engine stops without done: 499 when the request was aborted, else 500 and no charge", async () => {
    const cut: GenerateEvent[] = [{ type: "start", promptTokens: 5 }, { type: "text", text: "x" }];
    const aborted = new AbortController();
    aborted.abort();
    await drain(new MeteredEngine(new PricedEngine(cut), ledger).generate(request(), aborted.signal));
    await drain(new MeteredEngine(new PricedEngine(cut), ledger).generate(request(), new AbortController().signal));
    expect(committedRows().map((r) => [r.status, r.prompt_tokens, r.completion_tokens, r.credits])).toEqual([
      [499, 5, 1, (5 * 2 + 10) / 1000],
      [500, 5, 1, 0],
    ]);
  });

  test("an engine that throws: the row is finished with 500 and the exception goes on", async () => {
    const metered = new MeteredEngine(new PricedEngine(HELLO, { throwAfter: 2 }), ledger);
    await expect(drain(metered.generate(request(), new AbortController().signal))).rejects.toThrow("runner exploded");
    expect(committedRows()).toMatchObject([{ status: 500, prompt_tokens: 5, completion_tokens: 1, credits: 0 }]);
  });

  test("a request without a caller still gets a row with ids of its own", async () => {
    const events = await drain(new MeteredEngine(new ScriptedEngine(), ledger).generate(request({ caller: undefined }), new AbortController().signal));
    const receipt = (events.at(-1) as Extract<GenerateEvent, { type: "done" }>).receipt!;
    expect(committedRows()).toMatchObject([{ endpoint: "unknown", token_id: null, mode: null, request_id: receipt.requestId, execution_id: receipt.executionId }]);
    expect(receipt.requestId).toMatch(/^req_[0-9a-f]{32}$/);
  });

  test("an inner receipt's other facts are kept", async () => {
    const approval = { approvalId: "ap_1", expiresAt: "2030-01-01T00:00:00Z" };
    const script: GenerateEvent[] = [{ type: "start", promptTokens: 1 }, { type: "done", finishReason: "tool_calls", usage, receipt: { executionId: "x", requestId: "y", creditsCharged: 9, approval } }];
    const req = request();
    const events = await drain(new MeteredEngine(new PricedEngine(script), ledger).generate(req, new AbortController().signal));
    expect((events.at(-1) as Extract<GenerateEvent, { type: "done" }>).receipt).toEqual({
      executionId: req.caller!.executionId,
      requestId: "req_demo_001",
      creditsCharged: 0.03,
      approval,
    });
  });

  test("countTokens is neither recorded nor charged", async () => {
    const metered = new MeteredEngine(new PricedEngine(), ledger);
    expect(await metered.countTokens(request())).toBe(1);
    expect(committedRows()).toHaveLength(0);
  });

  test("concurrent generations on one token add up exactly", async () => {
    const scriptFor = (req: GenerateRequest): GenerateEvent[] => {
      const n = Number(req.messages[0]!.content[0]!.text);
      return [{ type: "start", promptTokens: n }, { type: "text", text: "t" }, { type: "done", finishReason: "eos", usage: { ...usage, promptTokens: n, completionTokens: 2 * n } }];
    };
    const metered = new MeteredEngine(new PricedEngine(scriptFor, { delayMs: 1 }), ledger);
    const runs = Array.from({ length: 20 }, (_, i) =>
      drain(metered.generate(request({ messages: [{ role: "user", content: [{ type: "text", text: String(i + 1) }] }], caller: caller() }), new AbortController().signal)),
    );
    const receipts = (await Promise.all(runs)).map((events) => (events.at(-1) as Extract<GenerateEvent, { type: "done" }>).receipt!);
    const totals = ledger.totals("tok_1", 0);
    expect(totals.requests).toBe(20);
    expect(totals.tokens).toBe(3 * (20 * 21) / 2);
    expect(totals.credits).toBeCloseTo(receipts.reduce((s, r) => s + r.creditsCharged, 0), 9);
  });
});
