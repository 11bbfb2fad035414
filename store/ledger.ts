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
  /** metadata.mode as the client sent it. */
  mode?: string;
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

/** What /v1/usage can group by. "day" is the UTC calendar day of the request's start. */
export type UsageGroup = "model" | "day" | "token" | "endpoint";

export interface UsageQuery {
  /** Unix ms, inclusive. */
  fromMs?: number;
  /** Unix ms, exclusive. */
  toMs?: number;
  /** One token's rows (null: the rows with no token, auth off); undefined: every row. */
  tokenId?: string | null;
  groupBy: UsageGroup[];
}

export interface UsageSums {
  requests: number;
  /** Finished with a status of 400 or more (499: the client went away). */
  errors: number;
  /** Still running (or lost to a crash: never finished). */
  inFlight: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  credits: number;
}

export interface UsageBucket extends UsageSums {
  model?: string;
  /** YYYY-MM-DD, UTC. */
  day?: string;
  tokenId?: string | null;
  endpoint?: string;
}

const GROUP_COLUMNS: Record<UsageGroup, string> = {
  model: "model",
  day: "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')",
  token: "token_id",
  endpoint: "endpoint",
};

const SUMS = `COUNT(*) AS requests,
  COALESCE(SUM(status >= 400), 0) AS errors,
  COALESCE(SUM(status IS NULL), 0) AS inFlight,
  COALESCE(SUM(prompt_tokens), 0) AS promptTokens,
  COALESCE(SUM(cached_tokens), 0) AS cachedTokens,
  COALESCE(SUM(completion_tokens), 0) AS completionTokens,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoningTokens,
  COALESCE(SUM(credits), 0) AS credits`;

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
  credits REAL NOT NULL DEFAULT 0,
  mode TEXT
);
CREATE INDEX IF NOT EXISTS usage_token_time ON usage (token_id, started_at);
CREATE INDEX IF NOT EXISTS usage_time ON usage (started_at);
`;

/** A quota window's sums, computed by SQL once and then kept current as rows finish. */
interface RunningSum {
  sinceMs: number;
  tokens: number;
  credits: number;
}

export class UsageLedger {
  /** token id -> window name -> the window's sums. */
  readonly #running = new Map<string | null, Map<string, RunningSum>>();
  /** Rows begun by this ledger and not yet finished: whose they are and when they started. */
  readonly #open = new Map<number, { tokenId: string | null; startedAt: number }>();

  constructor(readonly db: Database) {
    db.exec(SCHEMA);
    // A database made before the mode column existed gets it.
    const columns = db.query<{ name: string }, []>("PRAGMA table_info(usage)").all();
    if (!columns.some((c) => c.name === "mode")) db.exec("ALTER TABLE usage ADD COLUMN mode TEXT");
  }

  /** Opens the request's row; returns its id for finish(). */
  begin(start: UsageStart): number {
    const row = this.db
      .query<{ id: number }, [string, string, string | null, string, string, number, string | null]>(
        "INSERT INTO usage (request_id, execution_id, token_id, endpoint, model, started_at, mode) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      )
      .get(start.requestId, start.executionId, start.tokenId, start.endpoint, start.model, start.startedAt, start.mode ?? null);
    this.#open.set(row!.id, { tokenId: start.tokenId, startedAt: start.startedAt });
    return row!.id;
  }

  finish(id: number, end: UsageEnd): void {
    this.db
      .query(
        "UPDATE usage SET prompt_tokens = ?, cached_tokens = ?, completion_tokens = ?, reasoning_tokens = ?, duration_ms = ?, status = ?, credits = ? WHERE id = ?",
      )
      .run(end.promptTokens, end.cachedTokens, end.completionTokens, end.reasoningTokens, Math.round(end.durationMs), end.status, end.credits, id);
    const row = this.#open.get(id);
    this.#open.delete(id);
    for (const sum of row ? (this.#running.get(row.tokenId)?.values() ?? []) : []) {
      if (row!.startedAt < sum.sinceMs) continue;
      sum.tokens += end.promptTokens + end.completionTokens;
      sum.credits += end.credits;
    }
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

  /**
   * totals()' tokens and credits for a quota window ("day", "month"), read by SQL when the window
   * is first asked for (or has moved on), then kept in memory as this ledger finishes rows: a
   * month of a busy token's rows took 35 ms to sum on every request (100,000 rows). Rows written
   * by another process are not seen until the window moves on.
   */
  windowTotals(tokenId: string | null, window: string, sinceMs: number): { tokens: number; credits: number } {
    let windows = this.#running.get(tokenId);
    if (!windows) this.#running.set(tokenId, (windows = new Map()));
    let sum = windows.get(window);
    if (!sum || sum.sinceMs !== sinceMs) {
      const { tokens, credits } = this.totals(tokenId, sinceMs);
      sum = { sinceMs, tokens, credits };
      windows.set(window, sum);
    }
    return { tokens: sum.tokens, credits: sum.credits };
  }

  /** Sums per bucket (ordered by the groups' values) and over every matching row. */
  report(query: UsageQuery): { buckets: UsageBucket[]; total: UsageSums } {
    const where: string[] = [];
    const params: (string | number | null)[] = [];
    if (query.fromMs !== undefined) where.push("started_at >= ?"), params.push(query.fromMs);
    if (query.toMs !== undefined) where.push("started_at < ?"), params.push(query.toMs);
    if (query.tokenId !== undefined) where.push("token_id IS ?"), params.push(query.tokenId);
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const groups = [...new Set(query.groupBy)];
    const keys = groups.map((g) => `${GROUP_COLUMNS[g]} AS "${g}"`);
    const total = this.db.query<UsageSums, typeof params>(`SELECT ${SUMS} FROM usage ${filter}`).get(...params)!;
    if (groups.length === 0) return { buckets: [], total };
    const order = groups.map((_, i) => String(i + 1)).join(", ");
    const rows = this.db
      .query<Record<string, string | number | null>, typeof params>(`SELECT ${keys.join(", ")}, ${SUMS} FROM usage ${filter} GROUP BY ${order} ORDER BY ${order}`)
      .all(...params);
    const buckets = rows.map(({ model, day, token, endpoint, ...sums }) => {
      const bucket: UsageBucket = sums as unknown as UsageSums;
      if (groups.includes("model")) bucket.model = model as string;
      if (groups.includes("day")) bucket.day = day as string;
      if (groups.includes("token")) bucket.tokenId = token as string | null;
      if (groups.includes("endpoint")) bucket.endpoint = endpoint as string;
      return bucket;
    });
    return { buckets, total };
  }
}
