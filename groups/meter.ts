// Usage and credits of every model call of one execution request, summed for its answer.
import { creditsFor } from "../accounting/credits.ts";
import type { Engine, Receipt, Usage } from "../core/index.ts";

export class Meter {
  readonly usage: Usage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0, reasoningTokens: 0, tokensPerSecond: 0, promptMs: 0, generationMs: 0 };
  credits = 0;
  calls = 0;

  constructor(private readonly engine: Engine) {}

  /**
   * A model call ended. Its receipt's credits when the engine meters (MeteredEngine: one ledger
   * row per call, so the execution is on the books once, call by call); else its model's price.
   */
  add(modelId: string, usage: Usage, receipt?: Receipt): void {
    this.calls++;
    const u = this.usage;
    u.promptTokens += usage.promptTokens;
    u.cachedPromptTokens += usage.cachedPromptTokens;
    u.completionTokens += usage.completionTokens;
    u.reasoningTokens += usage.reasoningTokens;
    u.promptMs += usage.promptMs;
    u.generationMs += usage.generationMs;
    u.tokensPerSecond = u.generationMs > 0 ? (u.completionTokens * 1000) / u.generationMs : 0;
    const price = this.engine.listModels().find((m) => m.id === modelId)?.price;
    const credits = receipt ? receipt.creditsCharged : creditsFor(price, usage.promptTokens, usage.completionTokens);
    this.credits = Math.round((this.credits + credits) * 1e6) / 1e6;
  }
}
