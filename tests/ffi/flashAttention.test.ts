// llama_set_flash_attn (llama.cpp/patches/0001): flash attention chosen per batch in a context
// created without it must give the logits the plain path gives, for a fresh prompt, for a chunk
// after cached tokens (V copied out of the transposed layout) and for decode steps that switch.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Batch } from "../../ffi/batch.ts";
import { Context } from "../../ffi/context.ts";
import { Model } from "../../ffi/model.ts";
import { tokenLogprob } from "../../engine/logprobs.ts";
import { STORIES_260K, TINYSTORIES_656K } from "../support/models.ts";

const TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside with her friends in the park";

/** Flash attention setting for each decode: the prompt in two chunks, then four single tokens. */
type Plan = [first: boolean, second: boolean, steps: boolean[]];

for (const [name, path] of [["stories260K", STORIES_260K], ["TinyStories-656K", TINYSTORIES_656K]] as const) {
  describe(`per-batch flash attention, ${name}`, () => {
    let model: Model;
    let batch: Batch;
    let prompt: Int32Array;
    /** Created without flash attention (V transposed, as the engine creates it on the CPU) and with it. */
    const contexts: Record<"createdOff" | "createdOn", Context> = {} as never;

    beforeAll(() => {
      model = Model.load(path);
      for (const [key, flashAttention] of [["createdOff", 0], ["createdOn", 1]] as const) {
        contexts[key] = new Context(model, {
          contextSize: 512, batchSize: 64, microBatchSize: 64, sequences: 2, threads: 1, threadsBatch: 1, flashAttention, unifiedKvCache: false,
        });
      }
      batch = new Batch(64);
      prompt = model.vocab.tokenize(TEXT, true, true);
    });
    afterAll(() => {
      batch.dispose();
      for (const context of Object.values(contexts)) context.free();
      model.free();
    });

    /** Top-5 logprobs after each decode of sequence 1, following the plan's settings. */
    function run(context: Context, [first, second, steps]: Plan): Map<string, number>[] {
      context.clearSequence(1);
      const tops: Map<string, number>[] = [];
      const record = (index: number): void => {
        const entry = tokenLogprob(context, model.vocab, index, prompt[0]!, 5);
        tops.push(new Map(entry.top.map((t) => [t.token, t.logprob])));
      };
      const half = Math.floor(prompt.length / 2);
      for (const [from, to, flash] of [[0, half, first], [half, prompt.length, second]] as const) {
        context.setFlashAttention(flash);
        batch.clear();
        for (let i = from; i < to; i++) batch.add(prompt[i]!, i, 1, i === to - 1);
        expect(context.decode(batch)).toBe(0);
        record(batch.length - 1);
      }
      steps.forEach((flash, step) => {
        context.setFlashAttention(flash);
        batch.clear();
        batch.add(prompt[step]!, prompt.length + step, 1, true);
        expect(context.decode(batch)).toBe(0);
        record(0);
      });
      return tops;
    }

    const plans: Plan[] = [
      [false, false, [false, false, false, false]],
      [true, true, [true, true, true, true]],
      [true, false, [false, true, false, true]],
      [false, true, [true, false, true, false]],
    ];

    test.each(plans.map((plan) => [JSON.stringify(plan), plan] as const))("a context created without it computes what one created with it does: %s", (_, plan) => {
      const off = run(contexts.createdOff, plan);
      const on = run(contexts.createdOn, plan);
      expect(off.length).toBe(6);
      off.forEach((top, i) => {
        expect([...top.keys()]).toEqual([...on[i]!.keys()]);
        for (const [token, logprob] of top) expect(Math.abs(logprob - on[i]!.get(token)!)).toBeLessThan(1e-4);
      });
    });

    test("the setting takes effect: flash attention's logits differ from the plain path's in the last bits", () => {
      const plain = run(contexts.createdOff, plans[0]!);
      const flash = run(contexts.createdOff, plans[1]!);
      const differs = flash.some((top, i) => [...top].some(([token, logprob]) => plain[i]!.get(token) !== logprob));
      expect(differs).toBe(true);
    });
  });
}
