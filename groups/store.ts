// Groups and paused executions in `<data-dir>/groups.sqlite` (bun:sqlite, WAL): everything an
// approval needs to continue survives a restart. An approval is claimed once, atomically.
import type { Database } from "bun:sqlite";
import { openDatabase } from "../store/database.ts";
import type { ExecutionState } from "./state.ts";
import type { Group, GroupSpec } from "./types.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL,
  group_id TEXT NOT NULL,
  token_id TEXT,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS approvals_expiry ON approvals (expires_at);
`;

export interface ApprovalRecord {
  id: string;
  executionId: string;
  groupId: string;
  tokenId?: string;
  state: ExecutionState;
  createdAt: number;
  /** Unix ms. */
  expiresAt: number;
  usedAt?: number;
}

interface GroupRow {
  id: string;
  source: "config" | "api";
  spec: string;
  created_at: number;
  updated_at: number;
}

interface ApprovalRow {
  id: string;
  execution_id: string;
  group_id: string;
  token_id: string | null;
  state: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Used approvals and expired ones are kept this long (a late resume still gets 409/410, not 404). */
const KEEP_MS = 7 * 24 * 3600 * 1000;

export class GroupStore {
  readonly db: Database;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec(SCHEMA);
  }

  list(): Group[] {
    return this.db.query<GroupRow, []>("SELECT * FROM groups ORDER BY created_at, id").all().map(toGroup);
  }

  get(id: string): Group | undefined {
    const row = this.db.query<GroupRow, [string]>("SELECT * FROM groups WHERE id = ?").get(id);
    return row ? toGroup(row) : undefined;
  }

  put(id: string, source: Group["source"], spec: GroupSpec, now = Date.now()): Group {
    this.db
      .query(
        `INSERT INTO groups (id, source, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (id) DO UPDATE SET source = ?2, spec = ?3, updated_at = ?4`,
      )
      .run(id, source, JSON.stringify(spec), now);
    return this.get(id)!;
  }

  delete(id: string): boolean {
    return this.db.query("DELETE FROM groups WHERE id = ?").run(id).changes > 0;
  }

  /** Config groups: the file's list replaces the previous start's (API groups are kept). */
  replaceConfigGroups(groups: { id: string; spec: GroupSpec }[], now = Date.now()): void {
    this.db.transaction(() => {
      const keep = new Set(groups.map((g) => g.id));
      for (const row of this.db.query<{ id: string }, []>("SELECT id FROM groups WHERE source = 'config'").all())
        if (!keep.has(row.id)) this.delete(row.id);
      for (const g of groups) this.put(g.id, "config", g.spec, now);
    })();
  }

  saveApproval(record: Omit<ApprovalRecord, "usedAt">): void {
    this.db
      .query("INSERT INTO approvals (id, execution_id, group_id, token_id, state, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(record.id, record.executionId, record.groupId, record.tokenId ?? null, JSON.stringify(record.state), record.createdAt, record.expiresAt);
    this.db.query("DELETE FROM approvals WHERE expires_at < ?").run(record.createdAt - KEEP_MS);
  }

  approval(id: string): ApprovalRecord | undefined {
    const row = this.db.query<ApprovalRow, [string]>("SELECT * FROM approvals WHERE id = ?").get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      executionId: row.execution_id,
      groupId: row.group_id,
      ...(row.token_id !== null ? { tokenId: row.token_id } : {}),
      state: JSON.parse(row.state),
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      ...(row.used_at !== null ? { usedAt: row.used_at } : {}),
    };
  }

  /** The group an approval belongs to, without reading its execution state. */
  approvalGroup(id: string): string | undefined {
    return this.db.query<{ group_id: string }, [string]>("SELECT group_id FROM approvals WHERE id = ?").get(id)?.group_id;
  }

  /** Marks the approval used; false when it was used (or expired) meanwhile: only one resume wins. */
  claim(id: string, now = Date.now()): boolean {
    return this.db.query("UPDATE approvals SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND expires_at > ?1").run(now, id).changes === 1;
  }

  close(): void {
    this.db.close();
  }
}

function toGroup(row: GroupRow): Group {
  return { ...(JSON.parse(row.spec) as GroupSpec), id: row.id, source: row.source, createdAt: row.created_at, updatedAt: row.updated_at };
}
