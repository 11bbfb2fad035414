// A ledger file written before the mode column existed still opens, gains the column and keeps its rows.
import { expect, test } from "bun:test";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";

test("an older usage table gets the mode column; its rows stay", () => {
  const db = openDatabase(":memory:");
  db.exec(`CREATE TABLE usage (
    id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, execution_id TEXT NOT NULL UNIQUE, token_id TEXT,
    endpoint TEXT NOT NULL, model TEXT NOT NULL, started_at INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER, status INTEGER, credits REAL NOT NULL DEFAULT 0)`);
  db.exec("INSERT INTO usage (request_id, execution_id, endpoint, model, started_at, status) VALUES ('old', 'e0', 'messages', 'm', 1, 200)");
  const ledger = new UsageLedger(db);
  ledger.begin({ requestId: "new", executionId: "e1", tokenId: null, endpoint: "chat-completions", model: "m", startedAt: 2, mode: "eval" });
  expect(db.query("SELECT request_id, mode FROM usage ORDER BY id").all()).toEqual([
    { request_id: "old", mode: null },
    { request_id: "new", mode: "eval" },
  ]);
  // Opening it again changes nothing.
  new UsageLedger(db);
  expect(ledger.report({ groupBy: [] }).total.requests).toBe(2);
});
