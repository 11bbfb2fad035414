// API tokens: opaque secrets shown once, stored only as their SHA-256 hash, with endpoint scopes,
// optional model and group limits, an expiry and quotas. Lives in the accounts database beside
// the usage ledger; every request looks its token up, so a revocation (even by another process,
// the `token` subcommand) takes effect at the next request.
import type { Database } from "bun:sqlite";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const SCOPES = ["chat-completions", "messages", "responses", "models", "metrics", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Recognisable in logs, configs and secret scanners. */
export const SECRET_PREFIX = "bl_";
/** Characters of the secret kept for display (prefix included). */
const DISPLAY_CHARS = 8;

export interface TokenQuotas {
  requestsPerMinute?: number;
  tokensPerDay?: number;
  creditsPerMonth?: number;
}

export interface TokenSpec {
  name: string;
  scopes: Scope[];
  /** Model ids or aliases; undefined = any model. */
  models?: string[];
  /** Group ids; undefined = any group. */
  groups?: string[];
  /** Unix ms; undefined = never. */
  expiresAt?: number;
  quotas?: TokenQuotas;
}

export interface TokenRecord extends Required<Pick<TokenSpec, "name" | "scopes">> {
  id: string;
  /** The secret's first characters, for telling tokens apart. */
  prefix: string;
  models?: string[];
  groups?: string[];
  expiresAt?: number;
  quotas: TokenQuotas;
  createdAt: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

export class TokenError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly kind: "invalid" | "conflict" = "invalid",
  ) {
    super(message);
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  scopes TEXT NOT NULL,
  models TEXT,
  groups TEXT,
  expires_at INTEGER,
  requests_per_minute INTEGER,
  tokens_per_day INTEGER,
  credits_per_month REAL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
-- A name picks one live token (revoke <name>); revoked ones keep theirs for the record.
CREATE UNIQUE INDEX IF NOT EXISTS tokens_live_name ON tokens (name) WHERE revoked_at IS NULL;
`;

interface Row {
  id: string;
  name: string;
  hash: Uint8Array;
  prefix: string;
  scopes: string;
  models: string | null;
  groups: string | null;
  expires_at: number | null;
  requests_per_minute: number | null;
  tokens_per_day: number | null;
  credits_per_month: number | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** last_used_at is written at most this often per token: one write per request would be waste. */
const TOUCH_INTERVAL_MS = 60_000;

const sha256 = (secret: string) => createHash("sha256").update(secret).digest();

export class TokenStore {
  readonly #touched = new Map<string, number>();

  constructor(readonly db: Database) {
    db.exec(SCHEMA);
  }

  /** Creates a token; the secret is returned here once and never stored. */
  create(spec: TokenSpec, now = Date.now()): { token: TokenRecord; secret: string } {
    checkSpec(spec, now);
    const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
    const id = `tok_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
    const q = spec.quotas ?? {};
    try {
      this.db
        .query(
          `INSERT INTO tokens (id, name, hash, prefix, scopes, models, groups, expires_at, requests_per_minute, tokens_per_day, credits_per_month, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          spec.name,
          sha256(secret),
          secret.slice(0, DISPLAY_CHARS),
          JSON.stringify([...new Set(spec.scopes)]),
          spec.models ? JSON.stringify(spec.models) : null,
          spec.groups ? JSON.stringify(spec.groups) : null,
          spec.expiresAt ?? null,
          q.requestsPerMinute ?? null,
          q.tokensPerDay ?? null,
          q.creditsPerMonth ?? null,
          now,
        );
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new TokenError(`a token named '${spec.name}' exists already (revoke it first)`, "name", "conflict");
      throw error;
    }
    return { token: this.get(id)!, secret };
  }

  /** The token a secret belongs to (revoked and expired ones included: the caller says which). */
  verify(secret: string): TokenRecord | undefined {
    if (!secret.startsWith(SECRET_PREFIX)) return undefined;
    const hash = sha256(secret);
    const row = this.db.query<Row, [Uint8Array]>("SELECT * FROM tokens WHERE hash = ?").get(hash);
    // The index found it; compare in constant time all the same, so no path depends on timing.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), hash)) return undefined;
    return toRecord(row);
  }

  /** By id, else by the name of a live token. */
  get(idOrName: string): TokenRecord | undefined {
    const row =
      this.db.query<Row, [string]>("SELECT * FROM tokens WHERE id = ?").get(idOrName) ??
      this.db.query<Row, [string]>("SELECT * FROM tokens WHERE name = ? AND revoked_at IS NULL").get(idOrName);
    return row ? toRecord(row) : undefined;
  }

  list(): TokenRecord[] {
    return this.db.query<Row, []>("SELECT * FROM tokens ORDER BY created_at, id").all().map(toRecord);
  }

  count(): number {
    return this.db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM tokens").get()!.n;
  }

  /** Revokes at once; a token revoked already keeps its first revocation time. */
  revoke(idOrName: string, now = Date.now()): TokenRecord | undefined {
    const token = this.get(idOrName);
    if (!token) return undefined;
    this.db.query("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, token.id);
    return this.get(token.id);
  }

  /** Records a use (at most once a minute per token). */
  touch(id: string, now = Date.now()): void {
    if (now - (this.#touched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.#touched.set(id, now);
    this.db.query("UPDATE tokens SET last_used_at = ? WHERE id = ?").run(now, id);
  }
}

function checkSpec(spec: TokenSpec, now: number): void {
  if (!/^[\x21-\x7e]{1,64}$/.test(spec.name)) throw new TokenError("name must be 1 to 64 printable characters without spaces", "name");
  if (spec.name.startsWith("tok_")) throw new TokenError("name must not start with 'tok_' (token ids do)", "name");
  if (spec.scopes.length === 0) throw new TokenError(`scopes must name at least one of ${SCOPES.join(", ")}`, "scopes");
  const unknown = spec.scopes.find((s) => !SCOPES.includes(s));
  if (unknown) throw new TokenError(`unknown scope '${unknown}' (scopes: ${SCOPES.join(", ")})`, "scopes");
  for (const field of ["models", "groups"] as const) {
    const list = spec[field];
    if (list && (list.length === 0 || list.some((s) => typeof s !== "string" || s.length === 0)))
      throw new TokenError(`${field} must be a non-empty list of names (leave it out for any)`, field);
  }
  if (spec.expiresAt !== undefined && !(spec.expiresAt > now)) throw new TokenError("expiry must be in the future", "expires_at");
  const q = spec.quotas ?? {};
  const positive: [keyof TokenQuotas, string, boolean][] = [
    ["requestsPerMinute", "requests_per_minute", true],
    ["tokensPerDay", "tokens_per_day", true],
    ["creditsPerMonth", "credits_per_month", false],
  ];
  for (const [key, field, integer] of positive) {
    const value = q[key];
    if (value !== undefined && !(value > 0 && Number.isFinite(value) && (!integer || Number.isInteger(value))))
      throw new TokenError(`${field} must be a positive ${integer ? "integer" : "number"}`, field);
  }
}

function toRecord(row: Row): TokenRecord {
  const quotas: TokenQuotas = {};
  if (row.requests_per_minute !== null) quotas.requestsPerMinute = row.requests_per_minute;
  if (row.tokens_per_day !== null) quotas.tokensPerDay = row.tokens_per_day;
  if (row.credits_per_month !== null) quotas.creditsPerMonth = row.credits_per_month;
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes),
    ...(row.models !== null ? { models: JSON.parse(row.models) } : {}),
    ...(row.groups !== null ? { groups: JSON.parse(row.groups) } : {}),
    ...(row.expires_at !== null ? { expiresAt: row.expires_at } : {}),
    quotas,
    createdAt: row.created_at,
    ...(row.revoked_at !== null ? { revokedAt: row.revoked_at } : {}),
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "30d", "12h", "90m", "2w", "45s", or an ISO 8601 date/time -> Unix ms. */
export function parseExpiry(value: string, now = Date.now()): number {
  const duration = /^(\d+)([smhdw])$/.exec(value.trim());
  if (duration) return now + Number(duration[1]) * UNIT_MS[duration[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw new TokenError(`expiry must be a duration (30d, 12h, 90m, 2w, 45s) or an ISO 8601 date, got '${value.slice(0, 64)}'`, "expires");
  return at;
}

/** `"all"` stands for every scope. */
export function parseScopes(list: string[]): Scope[] {
  return list.includes("all") ? [...SCOPES] : (list as Scope[]);
}
