// The accounts database: API tokens and the usage ledger in one file, <data-dir>/accounts.sqlite,
// so a quota check reads the same database the ledger writes (and the `token` subcommand too).
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { openDatabase } from "./database.ts";
import { UsageLedger } from "./ledger.ts";
import { TokenStore } from "./tokens.ts";

export const accountsPath = (dataDir: string) => join(dataDir, "accounts.sqlite");

export interface Accounts {
  db: Database;
  tokens: TokenStore;
  ledger: UsageLedger;
}

/** Opens (creating) the file once per process; every user shares these handles. */
export function openAccounts(dataDir: string): Accounts {
  const db = openDatabase(accountsPath(dataDir));
  return { db, tokens: new TokenStore(db), ledger: new UsageLedger(db) };
}
