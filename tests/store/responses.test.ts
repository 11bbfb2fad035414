// The Responses store's file from before responses had owners: opened by this version, its rows
// stay readable (owner null: every token may read them) and new rows keep their owner.
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteResponseStore } from "../../store/sqlite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("a file without the owner column is migrated in place", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunllama-responses-"));
  dirs.push(dir);
  const path = join(dir, "responses.sqlite");
  const old = new Database(path, { create: true });
  old.exec(`CREATE TABLE responses (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, response TEXT NOT NULL,
    input_items TEXT NOT NULL, messages TEXT NOT NULL)`);
  old.query("INSERT INTO responses VALUES (?, ?, ?, ?, ?)").run("resp_old", 1, JSON.stringify({ id: "resp_old" }), "[]", "[]");
  old.close();

  const store = new SqliteResponseStore(path);
  expect(store.getResponse("resp_old")).toMatchObject({ id: "resp_old", owner: null, response: { id: "resp_old" } });
  store.putResponse({ id: "resp_new", createdAt: 2, response: { id: "resp_new" }, inputItems: [], messages: [], owner: "tok_1" });
  store.close();

  const reopened = new SqliteResponseStore(path);
  expect(reopened.getResponse("resp_new")?.owner).toBe("tok_1");
  expect(reopened.getResponse("resp_old")?.owner).toBeNull();
  reopened.close();
});
