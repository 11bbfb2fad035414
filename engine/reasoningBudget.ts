// Bounds a sequence's reasoning: counts the tokens between the open and close tags as they are
// generated and, once the budget is spent, has the close tag forced in place of sampling, so the
// model goes on to its answer (Anthropic's thinking.budget_tokens).
import type { ReasoningBudget } from "./protocol.ts";

/** Longest tag we look for, with room for a split across pieces. */
const TAIL = 64;

export class ReasoningBudgetTracker {
  #state: "before" | "open" | "closed";
  #spent = 0;
  #tail = "";

  constructor(private readonly budget: ReasoningBudget) {
    this.#state = budget.startsOpen ? "open" : "before";
  }

  /** The budget is spent while the block is still open: the caller forces `closeText` next. */
  get exhausted(): boolean {
    return this.#state === "open" && this.#spent >= this.budget.tokens;
  }

  /** Text forced to close the block; the tracker considers it closed from here on. */
  close(): string {
    this.#state = "closed";
    return `${this.budget.close}\n\n`;
  }

  /** Follows one generated token's text. */
  observe(text: string): void {
    if (this.#state === "closed") return;
    this.#tail = (this.#tail + text).slice(-TAIL);
    if (this.#state === "before") {
      const at = this.#tail.lastIndexOf(this.budget.open);
      if (at < 0) return;
      this.#state = "open";
      this.#tail = this.#tail.slice(at + this.budget.open.length);
      return;
    }
    if (this.#tail.includes(this.budget.close)) this.#state = "closed";
    else this.#spent++;
  }
}
