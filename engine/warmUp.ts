// Start-up work, as llama-server does, so that the first request (a restarted server's cached
// conversation included) does not pay for it.
import { Batch } from "../ffi/batch.ts";
import type { Context } from "../ffi/context.ts";
import type { Model } from "../ffi/model.ts";
import { resolveSampling } from "../core/index.ts";
import type { Scheduler } from "./scheduler.ts";

/** One throwaway decode: pages the weights in and builds the graphs. With flash attention chosen
 *  per batch, both paths. */
export function warmUp(model: Model, context: Context, flashAttentionPerBatch: boolean): void {
  const token = model.vocab.bos >= 0 ? model.vocab.bos : 0;
  const batch = new Batch(1);
  try {
    // Ends on the kernel, the path a context created with flash attention runs by default.
    for (const on of flashAttentionPerBatch ? [false, true] : [undefined]) {
      if (on !== undefined) context.setFlashAttention(on);
      batch.clear();
      batch.add(token, 0, 0, true);
      // A failure here shows again, with its error, on the first request.
      context.decode(batch);
      context.clearSequence(0);
    }
  } finally {
    batch.dispose();
  }
}

/**
 * Two tiny jobs through the scheduler, pinned and with the default sampling: in a fresh runner
 * the first request otherwise ran the scheduler's code cold and built ignore_eos's bias over the
 * whole vocabulary (one native call per token), about 25 ms before its first token here. The
 * prompt is a handful of tokens, below what the prompt cache saves, so nothing is written out.
 */
export function warmUpScheduler(model: Model, scheduler: Scheduler): void {
  const tokens = model.vocab.tokenize("Hello", model.vocab.addBos, false);
  if (tokens.length === 0) return;
  const pinned = resolveSampling({ temperature: 0, ignoreEos: true });
  for (const [id, sampling] of [[-1, pinned], [-2, resolveSampling({})]] as const) {
    scheduler.submit({ id, tokens: [...tokens], sampling, maxTokens: 2, stop: [], renderSpecial: false, cachePrompt: false });
    while (!scheduler.idle) scheduler.step();
  }
}
