// Opens one embedded bun:sqlite database the way every store here wants it: WAL (a reader never
// blocks the writer), synchronous NORMAL (a committed transaction survives a process kill), and a
// busy timeout for a second process (the `token` subcommand) writing at the same time.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** `path` ":memory:" keeps nothing across restarts (tests of an interface only). */
export function openDatabase(path: string): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  return db;
}
