// ggml_cpu_set_balanced_matmul (llama.cpp/patches/0002): quantized matrix multiplications with
// tiles claimed in chunks must compute what equal shares compute. Each output is still computed
// whole by one thread, so the logits agree to the bit; a tile skipped or claimed twice by a
// miscounted chunk would not.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Batch } from "../../ffi/batch.ts";
import { Context } from "../../ffi/context.ts";
import { setBalancedMatmul } from "../../ffi/library.ts";
import { Model } from "../../ffi/model.ts";
import { tokenLogprob } from "../../engine/logprobs.ts";
import { TINYSTORIES_656K } from "../support/models.ts";

const TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside with her friends in the park";

let model: Model;
let context: Context;
let batch: Batch;
let prompt: Int32Array;

beforeAll(() => {
  // Q8_0 weights: llamafile's tinyBLAS multiplies them whenever a batch has two tokens or more.
  model = Model.load(TINYSTORIES_656K);
  context = new Context(model, {
    contextSize: 512, batchSize: 128, microBatchSize: 128, sequences: 1, threads: 2, threadsBatch: 2, flashAttention: -1, unifiedKvCache: false,
  });
  batch = new Batch(128);
  prompt = model.vocab.tokenize(TEXT, true, true);
});
afterAll(() => {
  setBalancedMatmul(true);
  batch.dispose();
  context.free();
  model.free();
});

/** Top-20 logprobs at every position: the prompt in one batch (its token count odd, so the
 *  multiplications end in a remainder of tiles), then batches of 2 and 3 tokens. */
function logprobs(balanced: boolean): [string, number][][] {
  setBalancedMatmul(balanced);
  context.clearSequence(0);
  const out: [string, number][][] = [];
  const chunks = [[0, prompt.length], [0, 2], [2, 5]] as const;
  let position = 0;
  for (const [from, to] of chunks) {
    batch.clear();
    for (let i = from; i < to; i++) batch.add(prompt[i]!, position++, 0, true);
    expect(context.decode(batch)).toBe(0);
    for (let i = 0; i < to - from; i++) {
      out.push(tokenLogprob(context, model.vocab, i, prompt[0]!, 20).top.map((t) => [t.token, t.logprob]));
    }
  }
  return out;
}

test("balanced quantized matmuls give the logits that equal shares give, to the bit", () => {
  expect(prompt.length % 2).toBe(1);
  const equal = logprobs(false);
  const balanced = logprobs(true);
  expect(equal.length).toBe(prompt.length + 5);
  expect(equal.every((top) => top.length === 20)).toBe(true);
  expect(balanced).toEqual(equal);
  // Run again: the threads' shares differ from run to run, the results may not.
  expect(logprobs(true)).toEqual(equal);
});
