// Memory estimates against what llama-server's log reported for the same files and settings
// (KV and compute buffers, measured on this project's build), and the RAM/VRAM split rules.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { estimateModelMemory, type EstimateOptions } from "../../../engine/gguf/memoryEstimate.ts";
import { GgufError, readGgufMetadata } from "../../../engine/gguf/metadata.ts";
import { GGMLType, type GGUFMetadata, GGUFValueType, kv, writeGGUF } from "../../fixtures/gguf.ts";
import { generateModel, QWEN25_05B_Q8, TINY_QWEN } from "../../fixtures/models.ts";

const MODELS = resolve(import.meta.dir, "../../../../shared/models");
const MMPROJ = join(MODELS, "mmproj-tinygemma3.gguf");
const MiB = 2 ** 20;
const CPU: EstimateOptions = { contextSize: 4096, parallel: 4, kvUnified: false, gpuLayers: -1, hasGpu: false };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bunllama-estimate-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A llama-arch header with the given hparams and one small tensor per part. */
async function writeModel(name: string, extra: GGUFMetadata, elements = 1024): Promise<string> {
  const path = join(dir, name);
  const metadata: GGUFMetadata = {
    "general.architecture": kv.str("llama"),
    "llama.block_count": kv.u32(3),
    "llama.embedding_length": kv.u32(64),
    "llama.attention.head_count": kv.u32(4),
    "llama.feed_forward_length": kv.u32(256),
    "llama.context_length": kv.u32(1000),
    "llama.vocab_size": kv.u32(100),
    ...extra,
  };
  await writeGGUF(path, metadata, [{ name: "w", shape: [elements], type: GGMLType.F32, values: new Float32Array(elements) }]);
  return path;
}

const sumsUp = (e: Awaited<ReturnType<typeof estimateModelMemory>>) =>
  expect(e.ramBytes + e.vramBytes).toBe(e.weightsBytes + e.kvBytes + e.computeBytes + e.mmprojBytes);

describe("estimateModelMemory against llama-server's figures", () => {
  test("Qwen2.5-0.5B shape (generated), 4096 cells, 4 sequences: KV 48 MiB, compute near 38.8 MiB", async () => {
    const path = await generateModel(QWEN25_05B_Q8);
    const e = await estimateModelMemory(path, CPU);
    const meta = await readGgufMetadata(path);
    expect(e.layers).toBe(24);
    expect(e.kvBytes).toBe(48 * MiB);
    expect(e.computeBytes / MiB).toBeWithin(38.8 * 0.9, 38.8 * 1.1);
    expect(e.weightsBytes).toBe(meta.fileSize - meta.dataOffset);
    expect(e.weightsBytes / meta.fileSize).toBeWithin(0.98, 1);
    expect(e.vramBytes).toBe(0);
    sumsUp(e);
  }, 300_000);

  test("8192 cells, 1 sequence, flash attention off: KV 96 MiB, the scores make compute near 249.8 MiB", async () => {
    const path = await generateModel(QWEN25_05B_Q8);
    const e = await estimateModelMemory(path, { ...CPU, contextSize: 8192, parallel: 1, flashAttention: 0 });
    expect(e.kvBytes).toBe(96 * MiB);
    expect(e.computeBytes / MiB).toBeWithin(249.8 * 0.95, 249.8 * 1.1);
  }, 300_000);

  test("auto on the CPU counts the scores of a short suffix on the plain path: nothing more at 4096 cells, the suffix graph at 32768", async () => {
    const path = await generateModel(QWEN25_05B_Q8);
    const estimate = (contextSize: number, parallel: number, flashAttention: number) =>
      estimateModelMemory(path, { ...CPU, contextSize, parallel, flashAttention }).then((e) => e.computeBytes);
    // 4 sequences of 1024 cells: the suffix graph (67 tokens) is smaller than a full micro-batch's.
    expect(await estimate(4096, 4, -1)).toBe(await estimate(4096, 4, 1));
    // One sequence of 32768 cells: the buffer is the suffix graph's, 64 tokens with their scores
    // over every cell (14 heads, f32), instead of a 512-token micro-batch's activations
    // (n_embd 896, n_ff 4864: 4 and 3 rows of each per token, f32).
    const activations = (4 * 896 + 3 * 4864) * 4;
    const expected = 64 * (activations + 32768 * 14 * 4) - 512 * activations;
    const extra = (await estimate(32768, 1, -1)) - (await estimate(32768, 1, 1));
    expect(extra / MiB).toBeCloseTo(expected / MiB, 1);
    // With every layer on a GPU llama.cpp decides alone: no plain-path batches are counted.
    const gpu = (flashAttention: number) => estimateModelMemory(path, { ...CPU, contextSize: 32768, parallel: 1, hasGpu: true, flashAttention }).then((e) => e.computeBytes);
    expect(await gpu(-1)).toBe(await gpu(1));
  }, 300_000);

  test("a 2-layer generated Qwen: KV 1 MiB at 4096 cells", async () => {
    const e = await estimateModelMemory(await generateModel(TINY_QWEN), { ...CPU, parallel: 2 });
    expect(e.kvBytes).toBe(1 * MiB);
    expect(e.computeBytes / MiB).toBeWithin(4.2 * 0.75, 4.2 * 1.25);
  }, 300_000);

  test("stories260K: KV 1.25 MiB at 2048 cells; context 0 means the model's", async () => {
    const path = join(MODELS, "stories260K.gguf");
    expect((await estimateModelMemory(path, { ...CPU, contextSize: 2048, parallel: 1 })).kvBytes).toBe(1.25 * MiB);
    const own = await estimateModelMemory(path, { ...CPU, contextSize: 0 });
    expect(own.contextSize).toBe((await readGgufMetadata(path)).kv.get("llama.context_length") as number);
    expect(own.kvBytes).toBe((own.contextSize / 2048) * 1.25 * MiB);
  });
});

describe("estimateModelMemory rules", () => {
  test("KV scales with context, not with the number of sequences", async () => {
    const path = join(MODELS, "stories260K.gguf");
    const one = await estimateModelMemory(path, { ...CPU, parallel: 1 });
    const four = await estimateModelMemory(path, { ...CPU, parallel: 4 });
    const double = await estimateModelMemory(path, { ...CPU, contextSize: 8192 });
    expect(four.kvBytes).toBe(one.kvBytes);
    expect(double.kvBytes).toBe(2 * one.kvBytes);
  });

  test("per-layer KV head counts (0 for a recurrent layer) and explicit key/value lengths", async () => {
    const perLayer = await writeModel("per-layer.gguf", { "llama.attention.head_count_kv": kv.array(GGUFValueType.UINT32, [2, 0, 2]) });
    // head_dim = 64 / 4 = 16: K and V rows of 2 heads × 16 on two layers.
    expect((await estimateModelMemory(perLayer, { ...CPU, contextSize: 100 })).kvBytes).toBe(100 * (2 + 0 + 2) * (16 + 16) * 2);
    const lengths = await writeModel("lengths.gguf", {
      "llama.attention.head_count_kv": kv.u32(1),
      "llama.attention.key_length": kv.u32(128),
      "llama.attention.value_length": kv.u32(64),
    });
    expect((await estimateModelMemory(lengths, { ...CPU, contextSize: 100 })).kvBytes).toBe(100 * 3 * (128 + 64) * 2);
    // No head_count_kv: every head has its own K and V (no grouped-query attention).
    const plain = await writeModel("plain.gguf", {});
    expect((await estimateModelMemory(plain, { ...CPU, contextSize: 100 })).kvBytes).toBe(100 * 3 * 4 * 32 * 2);
  });

  test("a split model's weights are every part's tensor data", async () => {
    const first = await writeModel("split-00001-of-00002.gguf", { "split.count": kv.u16(2) }, 4096);
    const second = await writeModel("split-00002-of-00002.gguf", { "split.count": kv.u16(2) }, 8192);
    const e = await estimateModelMemory(first, CPU);
    expect(e.weightsBytes).toBe(4096 * 4 + 8192 * 4);
    expect(Bun.file(second).size).toBeGreaterThan(8192 * 4);
  });

  test("a missing split part or a header without block_count is refused", async () => {
    const lonely = await writeModel("lonely-00001-of-00002.gguf", {});
    await expect(estimateModelMemory(lonely, CPU)).rejects.toThrow("lonely-00002-of-00002.gguf: file not found");
    const headless = join(dir, "headless.gguf");
    await writeGGUF(headless, { "general.architecture": kv.str("llama") }, []);
    await expect(estimateModelMemory(headless, CPU)).rejects.toThrow(new GgufError(`${headless}: no llama.block_count in the GGUF header`));
  });

  test("GPU offload splits weights and KV by layers; compute and projector go with the GPU", async () => {
    const path = join(MODELS, "stories260K.gguf"); // 5 layers
    const base = { ...CPU, mmproj: MMPROJ };
    const cpu = await estimateModelMemory(path, base);
    expect(cpu.mmprojBytes).toBe(Bun.file(MMPROJ).size);
    expect(cpu.vramBytes).toBe(0);
    expect(cpu.ramBytes).toBe(cpu.weightsBytes + cpu.kvBytes + cpu.computeBytes + cpu.mmprojBytes);
    // Layers asked for but no GPU: everything stays in RAM.
    expect((await estimateModelMemory(path, { ...base, gpuLayers: 99 })).vramBytes).toBe(0);
    expect((await estimateModelMemory(path, { ...base, hasGpu: true, gpuLayers: 0 })).vramBytes).toBe(0);

    const all = await estimateModelMemory(path, { ...base, hasGpu: true, gpuLayers: -1 });
    const logits = 4 * 512 * 4; // the host output buffer: 4 sequences × 512-token vocab × f32
    expect(all.ramBytes).toBe(logits);
    expect(all.vramBytes).toBe(all.weightsBytes + all.kvBytes + all.computeBytes - logits + all.mmprojBytes);
    expect((await estimateModelMemory(path, { ...base, hasGpu: true, gpuLayers: 99 })).vramBytes).toBe(all.vramBytes);

    const partial = await estimateModelMemory(path, { ...base, hasGpu: true, gpuLayers: 2 });
    const layered = partial.weightsBytes + partial.kvBytes;
    expect(partial.ramBytes).toBe(layered - Math.round((layered * 2) / 5) + logits);
    sumsUp(partial);
  });
});
