// The usage ledger over the real engine (stories260K, runner processes, libllama): 20 requests at
// once on the three protocols, streamed and not; the ledger file, read by another connection, and
// GET /v1/usage add up to exactly the usage the answers reported, with credits from the model's
// price; kitemesh matches each row; a client that goes away mid-stream leaves a 499 row.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAccounting } from "../../accounting/index.ts";
import { requestIdPlugin } from "../../api/http/requestId.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { STORIES_260K } from "../support/models.ts";
import { readSse, startTestServer, type TestServer } from "../support/server.ts";

const PRICE = { prompt: 1.5, completion: 4 };
const credits = (prompt: number, completion: number) => Math.round(((prompt * PRICE.prompt + completion * PRICE.completion) / 1000) * 1e6) / 1e6;

let dir: string;
let server: TestServer;
let ledger: UsageLedger;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bunllama-ledger-e2e-"));
  ledger = new UsageLedger(openDatabase(join(dir, "accounts.sqlite")));
  const accounting = createAccounting(ledger, { auth: false });
  server = await startTestServer(STORIES_260K, {}, {
    queueSize: 64,
    spec: { price: PRICE },
    wrapEngine: (engine) => accounting.engine(engine),
    plugins: [requestIdPlugin(), accounting.routes],
  });
});

afterAll(() => {
  server?.close();
  ledger?.db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Row {
  request_id: string;
  execution_id: string;
  endpoint: string;
  model: string;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  status: number | null;
  credits: number;
  duration_ms: number | null;
}

/** What is in the file, as a second connection (another process, after a crash) would read it. */
function fileRows(): Row[] {
  const db = openDatabase(join(dir, "accounts.sqlite"));
  try {
    return db.query<Row, []>("SELECT * FROM usage ORDER BY id").all();
  } finally {
    db.close();
  }
}

/** One answer's own account: its request id and the usage it reported. */
interface Reported {
  requestId: string;
  endpoint: string;
  prompt: number;
  completion: number;
  kitemesh?: { execution_id: string; credits_charged: number; request_id: string };
}

const prompt = (i: number) => `Once upon a time, story number ${i} began`;

async function chat(i: number, stream: boolean): Promise<Reported> {
  const requestId = `req_e2e_chat_${i}`;
  const r = await server.post("/v1/chat/completions", {
    model: server.modelId,
    messages: [{ role: "user", content: prompt(i) }],
    max_tokens: 4 + (i % 5),
    seed: i,
    stream,
    metadata: { request_id: requestId },
  });
  expect(r.status).toBe(200);
  expect(r.headers.get("x-request-id")).toBe(requestId);
  const last = (stream ? (await readSse(r)).filter((f) => f !== "[DONE]").at(-1) : await r.json()) as any;
  return { requestId, endpoint: "chat-completions", prompt: last.usage.prompt_tokens, completion: last.usage.completion_tokens, kitemesh: last.kitemesh };
}

async function messages(i: number): Promise<Reported> {
  const requestId = `req_e2e_messages_${i}`;
  const r = await server.post("/v1/messages", { model: server.modelId, max_tokens: 6, messages: [{ role: "user", content: prompt(i) }], metadata: { request_id: requestId } });
  expect(r.status).toBe(200);
  const body = (await r.json()) as any;
  // Anthropic counts cache reads apart from input_tokens.
  return { requestId, endpoint: "messages", prompt: body.usage.input_tokens + body.usage.cache_read_input_tokens, completion: body.usage.output_tokens };
}

async function responses(i: number): Promise<Reported> {
  const requestId = `req_e2e_responses_${i}`;
  const r = await server.post("/v1/responses", { model: server.modelId, max_output_tokens: 16, input: prompt(i), metadata: { request_id: requestId } });
  expect(r.status).toBe(200);
  const body = (await r.json()) as any;
  return { requestId, endpoint: "responses", prompt: body.usage.input_tokens, completion: body.usage.output_tokens };
}

describe("usage ledger end to end", () => {
  test("20 concurrent requests: every row finished, matching what each answer reported; the totals add up", async () => {
    const runs = Array.from({ length: 20 }, (_, i) => (i < 8 ? chat(i, false) : i < 14 ? chat(i, true) : i < 17 ? messages(i) : responses(i)));
    const reported = await Promise.all(runs);
    const rows = fileRows();
    expect(rows).toHaveLength(20);
    const byRequest = new Map(rows.map((row) => [row.request_id, row]));
    for (const answer of reported) {
      const row = byRequest.get(answer.requestId)!;
      expect(row).toMatchObject({ endpoint: answer.endpoint, model: server.modelId, status: 200, prompt_tokens: answer.prompt, completion_tokens: answer.completion });
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
      expect(row.credits).toBeCloseTo(credits(answer.prompt, answer.completion), 9);
      if (answer.endpoint === "chat-completions")
        expect(answer.kitemesh).toEqual({ execution_id: row.execution_id, credits_charged: row.credits, request_id: answer.requestId });
    }
    expect(reported.every((a) => a.completion > 0)).toBe(true);

    const r = await fetch(`${server.url}/v1/usage?group_by=endpoint`);
    expect(r.headers.get("x-request-id")).toMatch(/^req_/);
    const usage = (await r.json()) as any;
    const sum = (f: (a: Reported) => number) => reported.reduce((s, a) => s + f(a), 0);
    expect(usage.total).toMatchObject({ requests: 20, errors: 0, in_flight: 0, prompt_tokens: sum((a) => a.prompt), completion_tokens: sum((a) => a.completion) });
    expect(usage.total.credits).toBeCloseTo(sum((a) => credits(a.prompt, a.completion)), 6);
    expect(usage.data.map((b: any) => [b.endpoint, b.requests])).toEqual([["chat-completions", 14], ["messages", 3], ["responses", 3]]);
  }, 120_000);

  test("a client that goes away mid-stream: its row is finished with 499", async () => {
    const abort = new AbortController();
    const r = await server.post(
      "/v1/chat/completions",
      { model: server.modelId, messages: [{ role: "user", content: "Once" }], stream: true, max_tokens: 400, ignore_eos: true, metadata: { request_id: "req_gone" } },
      { signal: abort.signal },
    );
    const reader = r.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel().catch(() => {});
    // The server sees the disconnect on its own schedule: wait for the row to be finished.
    const deadline = Date.now() + 30_000;
    let row: Row | undefined;
    while (Date.now() < deadline) {
      row = fileRows().find((x) => x.request_id === "req_gone");
      if (row?.status != null) break;
      await Bun.sleep(20);
    }
    expect(row).toMatchObject({ status: 499, endpoint: "chat-completions" });
    expect(row!.prompt_tokens).toBeGreaterThan(0);
    expect(row!.completion_tokens).toBeLessThan(400);
  }, 60_000);
});
