// A token's quotas, read from the usage ledger: requests per minute (rolling 60 s), tokens per
// day (calendar day, UTC) and credits per month (calendar month, UTC). A request that passes is
// held as pending until its response is out, so concurrent requests admitted before their ledger
// rows exist are still counted once each (the ledger row, once written, replaces the hold).
import type { UsageLedger } from "../store/ledger.ts";
import type { TokenRecord } from "../store/tokens.ts";

const MINUTE_MS = 60_000;

export interface QuotaRefusal {
  message: string;
  /** Seconds until the request would pass (Retry-After). */
  retryAfter: number;
}

export class QuotaGate {
  /** token id -> execution id -> admission time (Unix ms). */
  readonly #pending = new Map<string, Map<string, number>>();

  constructor(private readonly ledger: UsageLedger) {}

  /** Undefined and a hold on one request when the token is within its quotas; else why not. */
  admit(token: TokenRecord, executionId: string, now = Date.now()): QuotaRefusal | undefined {
    const refusal = this.#perMinute(token, now) ?? this.#perDay(token, now) ?? this.#perMonth(token, now);
    if (refusal) return refusal;
    if (token.quotas.requestsPerMinute !== undefined) {
      const held = this.#pending.get(token.id) ?? new Map<string, number>();
      held.set(executionId, now);
      this.#pending.set(token.id, held);
    }
    return undefined;
  }

  /** The request's response is out: its ledger row (if it got one) counts from now on. */
  release(tokenId: string, executionId: string): void {
    const held = this.#pending.get(tokenId);
    if (!held) return;
    held.delete(executionId);
    if (held.size === 0) this.#pending.delete(tokenId);
  }

  #perMinute(token: TokenRecord, now: number): QuotaRefusal | undefined {
    const limit = token.quotas.requestsPerMinute;
    if (limit === undefined) return undefined;
    const since = now - MINUTE_MS;
    const times = new Map<string, number>();
    const rows = this.ledger.db
      .query<{ execution_id: string; started_at: number }, [string, number]>(
        "SELECT execution_id, started_at FROM usage WHERE token_id = ? AND started_at >= ?",
      )
      .all(token.id, since);
    for (const row of rows) times.set(row.execution_id, row.started_at);
    const held = this.#pending.get(token.id);
    for (const [id, at] of held ?? []) {
      // A hold older than the window counts no more (a response never seen out, say).
      if (at < since) held!.delete(id);
      else if (!times.has(id)) times.set(id, at);
    }
    if (times.size < limit) return undefined;
    const sorted = [...times.values()].sort((a, b) => a - b);
    // Once this one leaves the window, one fewer than the limit remain.
    const frees = sorted[sorted.length - limit]! + MINUTE_MS;
    return { message: `Rate limit reached: ${limit} requests per minute.`, retryAfter: seconds(frees - now) };
  }

  #perDay(token: TokenRecord, now: number): QuotaRefusal | undefined {
    const limit = token.quotas.tokensPerDay;
    if (limit === undefined) return undefined;
    const day = new Date(now);
    const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
    const used = this.ledger.windowTotals(token.id, "day", start).tokens;
    if (used < limit) return undefined;
    return { message: `Quota exceeded: ${used} of ${limit} tokens per day used (resets at 00:00 UTC).`, retryAfter: seconds(start + 86_400_000 - now) };
  }

  #perMonth(token: TokenRecord, now: number): QuotaRefusal | undefined {
    const limit = token.quotas.creditsPerMonth;
    if (limit === undefined) return undefined;
    const day = new Date(now);
    const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1);
    const used = this.ledger.windowTotals(token.id, "month", start).credits;
    if (used < limit) return undefined;
    const next = Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 1);
    return { message: `Quota exceeded: ${round(used)} of ${limit} credits per month used (resets on the 1st, 00:00 UTC).`, retryAfter: seconds(next - now) };
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const round = (n: number) => Math.round(n * 1000) / 1000;
