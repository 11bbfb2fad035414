// Tool-call ids. Mistral templates reject any id that is not exactly 9 alphanumerics, and the
// id we hand out comes back in the next request's history, so that family gets 9-char ids.
import type { ModelFamily } from "../families/types.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomAlnum(length: number): string {
  let out = "";
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}

export function idGenerator(format: ModelFamily["toolCallIds"], prefix = "call_"): () => string {
  if (format === "nine-alphanumerics") return () => randomAlnum(9);
  return () => prefix + randomAlnum(24);
}
