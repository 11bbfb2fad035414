// The embedded ResponseStore: one bun:sqlite file, WAL mode, one transaction per write.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ResponseStore, StoredResponse } from "./types.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  response TEXT NOT NULL,
  input_items TEXT NOT NULL,
  messages TEXT NOT NULL,
  owner TEXT
);
CREATE TABLE IF NOT EXISTS secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);`;

interface Row {
  id: string;
  created_at: number;
  response: string;
  input_items: string;
  messages: string;
  owner: string | null;
}

export class SqliteResponseStore implements ResponseStore {
  readonly #db: Database;

  /** `path` ":memory:" keeps nothing across restarts (tests of the interface only). */
  constructor(readonly path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path, { create: true, strict: true });
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
    this.#db.exec(SCHEMA);
    // Files written before responses had owners: their rows stay readable by every token.
    const columns = this.#db.query<{ name: string }, []>("PRAGMA table_info(responses)").all();
    if (!columns.some((c) => c.name === "owner")) this.#db.exec("ALTER TABLE responses ADD COLUMN owner TEXT");
  }

  getResponse(id: string): StoredResponse | undefined {
    const row = this.#db.query<Row, [string]>("SELECT * FROM responses WHERE id = ?").get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      createdAt: row.created_at,
      response: JSON.parse(row.response),
      inputItems: JSON.parse(row.input_items),
      messages: JSON.parse(row.messages),
      owner: row.owner,
    };
  }

  putResponse(r: StoredResponse): void {
    const insert = this.#db.query(
      "INSERT OR REPLACE INTO responses (id, created_at, response, input_items, messages, owner) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#db.transaction(() => {
      insert.run(r.id, r.createdAt, JSON.stringify(r.response), JSON.stringify(r.inputItems), JSON.stringify(r.messages), r.owner);
    })();
  }

  deleteResponse(id: string): boolean {
    return this.#db.transaction(() => this.#db.query("DELETE FROM responses WHERE id = ?").run(id).changes > 0)();
  }

  secret(name: string, create: () => Uint8Array): Uint8Array {
    return this.#db.transaction(() => {
      const row = this.#db.query<{ value: Uint8Array }, [string]>("SELECT value FROM secrets WHERE name = ?").get(name);
      if (row) return new Uint8Array(row.value);
      const value = create();
      this.#db.query("INSERT INTO secrets (name, value) VALUES (?, ?)").run(name, value);
      return value;
    })();
  }

  close(): void {
    this.#db.close();
  }
}
