// The accounting layer in one piece for server.ts: the ledger, the engine wrapper that writes it,
// and GET /v1/usage that reads it.
import type { Engine } from "../core/index.ts";
import type { UsageLedger } from "../store/ledger.ts";
import { usageRoutes } from "../api/usage/routes.ts";
import { MeteredEngine } from "./meteredEngine.ts";

export { MeteredEngine } from "./meteredEngine.ts";
export { creditsFor, type Price } from "./credits.ts";

export interface AccountingOptions {
  /** Auth is on: /v1/usage answers only to tokens. */
  auth: boolean;
}

export function createAccounting(ledger: UsageLedger, options: AccountingOptions) {
  return {
    ledger,
    /** Wraps the engine every route uses: each generation gets its ledger row and receipt. */
    engine: (inner: Engine) => new MeteredEngine(inner, ledger),
    routes: usageRoutes(ledger, options),
  };
}
