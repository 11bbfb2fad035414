// A story prompt decoded on stories260K with logits kept for its last positions: real logits for
// sampler tests, each batch index one "sequence" to sample.
import { Batch } from "../../ffi/batch.ts";
import { Context } from "../../ffi/context.ts";
import { Model } from "../../ffi/model.ts";
import { STORIES_260K } from "./models.ts";

export interface DecodedPrompt {
  model: Model;
  context: Context;
  /** Batch indices of the positions that have logits, in prompt order. */
  outputs: number[];
  free(): void;
}

export function decodedPrompt(positions: number, threads: number): DecodedPrompt {
  const model = Model.load(STORIES_260K);
  const context = new Context(model, {
    contextSize: 256, batchSize: 64, microBatchSize: 64, sequences: 1, threads, threadsBatch: threads, flashAttention: -1, unifiedKvCache: false,
  });
  const batch = new Batch(64);
  const outputs: number[] = [];
  const prompt = model.vocab.tokenize("Once upon a time, there was a little girl named Lily. She loved to play", true, true);
  prompt.forEach((token, i) => {
    const index = batch.add(token, i, 0, i >= prompt.length - positions);
    if (i >= prompt.length - positions) outputs.push(index);
  });
  const status = context.decode(batch);
  if (status !== 0) throw new Error(`decoding the prompt failed with status ${status}`);
  return {
    model,
    context,
    outputs,
    free() {
      batch.dispose();
      context.free();
      model.free();
    },
  };
}
