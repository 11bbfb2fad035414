// The usage ledger: one row per request, written when the request is admitted (so quotas count
// requests in flight) and completed when it ends. A crash loses at most the rows still open.
import type { Database } from "bun:sqlite";

export interface UsageStart {
  requestId: string;
  executionId: string;
  /** The token's id; null with auth off. */
  tokenId: string | null;
  /** "chat-completions", "messages", "responses". */
  endpoint: string;
  /** The model id (not the alias the client sent). */
  model: string;
  /** Unix milliseconds. */
  startedAt: number;
}

export interface UsageEnd {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  durationMs: number;
  /** The HTTP status the client got (for a stream: 200, or the status of the error it ended with). */
  status: number;
  credits: number;
}

export interface UsageTotals {
  requests: number;
  /** Prompt + completion tokens. */
  tokens: number;
  credits: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL,
  execution_id TEXT NOT NULL UNIQUE,
  token_id TEXT,
  endpoint TEXT NOT NULL,
  model TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  reasoning_tokens INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER,
  -- NULL while the request is in flight.
  status INTEGER,
  credits REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS usage_token_time ON usage (token_id, started_at);
CREATE INDEX IF NOT EXISTS usage_time ON usage (started_at);
`;

export class UsageLedger {
  constructor(readonly db: Database) {
    db.exec(SCHEMA);
  }

  /** Opens the request's row; returns its id for finish(). */
  begin(start: UsageStart): number {
    const row = this.db
      .query<{ id: number }, [string, string, string | null, string, string, number]>(
        "INSERT INTO usage (request_id, execution_id, token_id, endpoint, model, started_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      )
      .get(start.requestId, start.executionId, start.tokenId, start.endpoint, start.model, start.startedAt);
    return row!.id;
  }

  finish(id: number, end: UsageEnd): void {
    this.db
      .query(
        "UPDATE usage SET prompt_tokens = ?, cached_tokens = ?, completion_tokens = ?, reasoning_tokens = ?, duration_ms = ?, status = ?, credits = ? WHERE id = ?",
      )
      .run(end.promptTokens, end.cachedTokens, end.completionTokens, end.reasoningTokens, Math.round(end.durationMs), end.status, end.credits, id);
  }

  /** A token's requests (in flight included), tokens and credits since a time (Unix ms). */
  totals(tokenId: string | null, sinceMs: number): UsageTotals {
    const row = this.db
      .query<{ requests: number; tokens: number | null; credits: number | null }, [string | null, number]>(
        "SELECT COUNT(*) AS requests, SUM(prompt_tokens + completion_tokens) AS tokens, SUM(credits) AS credits FROM usage WHERE token_id IS ? AND started_at >= ?",
      )
      .get(tokenId, sinceMs)!;
    return { requests: row.requests, tokens: row.tokens ?? 0, credits: row.credits ?? 0 };
  }
}
