// The response store: its interface and the embedded bun:sqlite implementation.
import { homedir } from "node:os";
import { join } from "node:path";
import { SqliteResponseStore } from "./sqlite.ts";
import type { ResponseStore } from "./types.ts";

export type { ResponseStore, StoredResponse } from "./types.ts";
export { SqliteResponseStore } from "./sqlite.ts";

/** XDG's data folder, as other local servers use it. */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "bunllama");
}

export function openStore(dataDir: string): ResponseStore {
  return new SqliteResponseStore(join(dataDir, "responses.sqlite"));
}
