// Decode time of typical batch shapes with flash attention on and off, chosen per batch in one
// context created without it (as the engine runs on the CPU): the figures behind
// engine/flashAttention.ts's rule. In-process, no HTTP; each shape alternates on/off.
//
//   bun bench/flash-attn-shapes.ts --model PATH [--threads N] [--repeats N] [--only TEXT] [--created on|off]
import { Batch } from "../ffi/batch.ts";
import { Context } from "../ffi/context.ts";
import { captureNativeLog } from "../ffi/log.ts";
import { Model } from "../ffi/model.ts";
import { scriptArgs } from "./scriptArgs.ts";

const { args, modelPath, threads } = scriptArgs("bun bench/flash-attn-shapes.ts --model PATH [--threads N] [--repeats N] [--only TEXT] [--created on|off]");
const repeats = Number(args.get("--repeats") ?? 5);
const sequences = 16;
const perSequence = 4096;

captureNativeLog(false);
const model = Model.load(modelPath);
const context = new Context(model, {
  contextSize: sequences * perSequence,
  batchSize: 1024,
  microBatchSize: 1024,
  sequences,
  threads,
  threadsBatch: threads,
  // The engine creates it without (V transposed); --created on gives the kernel's own layout.
  flashAttention: args.get("--created") === "on" ? 1 : 0,
  unifiedKvCache: false,
});
const batch = new Batch(1024);
const vocabSize = model.vocab.size;
let seed = 1;
const randomToken = (): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return 100 + (seed % (vocabSize - 200));
};

/** One part of a batch: `tokens` new tokens for a sequence that already holds `depth`. */
interface Part {
  depth: number;
  tokens: number;
}

function decode(parts: Part[], from: "prefix" | "batch"): void {
  batch.clear();
  parts.forEach((part, seq) => {
    const start = from === "prefix" ? 0 : part.depth;
    const count = from === "prefix" ? part.depth : part.tokens;
    for (let i = 0; i < count; i++) {
      if (batch.free === 0) {
        if (context.decode(batch) !== 0) throw new Error("decode failed");
        batch.clear();
      }
      batch.add(randomToken(), start + i, seq, i === count - 1);
    }
  });
  if (batch.length > 0 && context.decode(batch) !== 0) throw new Error("decode failed");
}

/**
 * ms for the batch after the prefixes, with flash attention on or off for the batch only; a
 * decoding shape (one token each) is the median of several steps, the same shape each time.
 */
function timeShape(parts: Part[], flash: boolean): number {
  for (let seq = 0; seq < sequences; seq++) context.clearSequence(seq);
  context.setFlashAttention(false);
  if (parts.some((p) => p.depth > 0)) decode(parts, "prefix");
  context.setFlashAttention(flash);
  const decoding = parts.every((p) => p.tokens === 1);
  const times: number[] = [];
  for (let step = 0; step < (decoding ? 6 : 1); step++) {
    const start = performance.now();
    decode(parts.map((p) => ({ depth: p.depth + step, tokens: p.tokens })), "batch");
    times.push(performance.now() - start);
  }
  context.setFlashAttention(false);
  return median(times);
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

const same = (count: number, depth: number, tokens: number): Part[] => Array.from({ length: count }, () => ({ depth, tokens }));
const shapes: [string, Part[]][] = [
  ["1 fresh prompt of 57", same(1, 0, 57)],
  ["4 fresh prompts of 57", same(4, 0, 57)],
  ["16 fresh prompts of 57", same(16, 0, 57)],
  ["1 fresh prompt of 512", same(1, 0, 512)],
  ["1 fresh prompt of 1024", same(1, 0, 1024)],
  ["32 tokens at depth 256", same(1, 256, 32)],
  ["128 tokens at depth 128", same(1, 128, 128)],
  ["512 tokens at depth 512", same(1, 512, 512)],
  ["512 tokens at depth 2048", same(1, 2048, 512)],
  ["25 tokens at depth 1700", same(1, 1700, 25)],
  ["64 tokens at depth 1700", same(1, 1700, 64)],
  ["128 tokens at depth 1700", same(1, 1700, 128)],
  ["1 decoding at depth 64", same(1, 64, 1)],
  ["1 decoding at depth 200", same(1, 200, 1)],
  ["4 decoding at depth 64", same(4, 64, 1)],
  ["16 decoding at depth 64", same(16, 64, 1)],
  ["16 decoding at depth 120", same(16, 120, 1)],
  ["1 decoding at depth 700", same(1, 700, 1)],
  ["3 decoding at 100 + 1 fresh 57", [...same(3, 100, 1), { depth: 0, tokens: 57 }]],
  ["12 decoding at 100 + 4 fresh 57", [...same(12, 100, 1), ...same(4, 0, 57)]],
];

timeShape(same(4, 0, 57), true); // warm both graphs
timeShape(same(4, 0, 57), false);
console.log("shape                                   off ms    on ms   on/off");
const only = args.get("--only");
for (const [name, parts] of shapes) {
  if (only && !name.includes(only)) continue;
  const off: number[] = [];
  const on: number[] = [];
  for (let r = 0; r < repeats; r++) {
    off.push(timeShape(parts, false));
    on.push(timeShape(parts, true));
  }
  const [a, b] = [median(off), median(on)];
  console.log(`${name.padEnd(38)} ${a.toFixed(1).padStart(7)} ${b.toFixed(1).padStart(8)} ${(b / a).toFixed(2).padStart(8)}`);
}
batch.dispose();
context.free();
model.free();
