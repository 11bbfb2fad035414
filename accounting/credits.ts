// Credits from a model's price: credits per 1K tokens, prompt and completion apart. Cached prompt
// tokens are charged like the rest: the price is per token of the prompt the request sent, and
// what the cache saves is this server's gain (the same request costs the same every time).
// Reasoning tokens are part of the completion tokens and cost what they do.

export interface Price {
  /** Credits per 1K prompt tokens. */
  prompt: number;
  /** Credits per 1K completion tokens. */
  completion: number;
}

/** Rounded to a millionth of a credit, so that sums do not gather float noise. */
export function creditsFor(price: Price | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0;
  const credits = (promptTokens * price.prompt + completionTokens * price.completion) / 1000;
  return Math.round(credits * 1e6) / 1e6;
}
