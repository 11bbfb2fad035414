// One throwaway decode before the first request, as llama-server does at start: it pages the
// weights in and builds the graphs, so that the first request (a restarted server's cached
// conversation included) does not pay for them. With flash attention chosen per batch, both paths.
import { Batch } from "../ffi/batch.ts";
import type { Context } from "../ffi/context.ts";
import type { Model } from "../ffi/model.ts";

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
