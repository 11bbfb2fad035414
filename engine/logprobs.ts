// OpenAI-style logprobs from the raw logits (before sampling), as llama-server reports them.
import { lib } from "../ffi/library.ts";
import type { Context } from "../ffi/context.ts";
import type { Vocab } from "../ffi/vocab.ts";
import type { TokenLogprob, TopLogprob } from "../core/index.ts";

const MAX_TOP = 20;
const topIds = new Int32Array(MAX_TOP);
const topValues = new Float32Array(MAX_TOP);
const decoder = new TextDecoder();

function entry(vocab: Vocab, token: number, logprob: number): TopLogprob {
  const bytes = vocab.piece(token);
  return { token: decoder.decode(bytes), bytes: Array.from(bytes), logprob };
}

export function tokenLogprob(context: Context, vocab: Vocab, index: number, token: number, top: number): TokenLogprob {
  const k = Math.min(Math.max(top, 0), MAX_TOP);
  const logprob = lib().shim_logprobs(context.handle, vocab.handle, index, token, k, topIds, topValues);
  const alternatives: TopLogprob[] = [];
  for (let i = 0; i < k && topIds[i]! >= 0; i++) alternatives.push(entry(vocab, topIds[i]!, topValues[i]!));
  return { ...entry(vocab, token, logprob), top: alternatives };
}
