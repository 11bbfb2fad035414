// The scripted engine with a price on its model (2 credits per 1K prompt tokens, 10 per 1K
// completion tokens), and an app composed the way server.ts composes it with accounting on.
import { Elysia } from "elysia";
import { createAccounting } from "../../accounting/index.ts";
import { requestIdPlugin } from "../../api/http/requestId.ts";
import type { Engine, ModelInfo } from "../../core/index.ts";
import { createApp, type AppOptions } from "../../server.ts";
import { openDatabase } from "../../store/database.ts";
import { UsageLedger } from "../../store/ledger.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

export const PRICE = { prompt: 2, completion: 10 };

export class PricedEngine extends ScriptedEngine {
  override listModels(): ModelInfo[] {
    return super.listModels().map((m) => (m.id === "test-model" ? { ...m, price: PRICE } : m));
  }
}

/** request ids first, the app over the metered engine, then GET /v1/usage; one in-memory ledger. */
export function accountedApp(engine: Engine = new PricedEngine(), options: AppOptions = {}) {
  const db = openDatabase(":memory:");
  const ledger = new UsageLedger(db);
  const accounting = createAccounting(ledger, { auth: options.auth !== undefined });
  const app = new Elysia()
    .use(requestIdPlugin())
    .use(createApp(accounting.engine(engine), { ...options, auth: options.auth && { ...options.auth, ledger } }))
    .use(accounting.routes);
  return { app, ledger, db };
}
