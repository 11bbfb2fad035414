// Start-up work, as llama-server does, so that the first request (a restarted server's cached
// conversation included) does not pay for it.
import { Batch } from "../ffi/batch.ts";
import type { Context } from "../ffi/context.ts";
import type { Model } from "../ffi/model.ts";
import { resolveSampling } from "../core/index.ts";
import type { Scheduler } from "./scheduler.ts";

/**
 * Two tiny jobs through the scheduler, pinned and with the default sampling: they page the
 * weights in and build the graphs, and run the scheduler's own code, which in a fresh runner
 * otherwise ran cold on the first request, with ignore_eos's bias over the whole vocabulary (one
 * native call per token) built there: about 25 ms before its first token here. The prompt is a
 * handful of tokens, below what the prompt cache saves, so nothing is written out. The jobs take
 * flash attention's path; where it is chosen per batch, one throwaway decode first takes the
 * plain one. A failure here shows again, with its error, on the first request.
 */
export function warmUp(model: Model, context: Context, scheduler: Scheduler, flashAttentionPerBatch: boolean): void {
  if (flashAttentionPerBatch) decodeOnePlain(model, context);
  const tokens = model.vocab.tokenize("Hello", model.vocab.addBos, false);
  if (tokens.length === 0) return;
  const pinned = resolveSampling({ temperature: 0, ignoreEos: true });
  for (const [id, sampling] of [[-1, pinned], [-2, resolveSampling({})]] as const) {
    scheduler.submit({ id, tokens: [...tokens], sampling, maxTokens: 2, stop: [], renderSpecial: false, cachePrompt: false });
    while (!scheduler.idle) scheduler.step();
  }
}

/** The scheduler sets flash attention itself before its first batch. */
function decodeOnePlain(model: Model, context: Context): void {
  const batch = new Batch(1);
  try {
    context.setFlashAttention(false);
    batch.add(model.vocab.bos >= 0 ? model.vocab.bos : 0, 0, 0, true);
    context.decode(batch);
    context.clearSequence(0);
  } finally {
    batch.dispose();
  }
}
