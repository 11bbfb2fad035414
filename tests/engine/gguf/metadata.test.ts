// The GGUF header reader, against the real test models, the project's generated ones, and
// files written here to reach every value type, long arrays, splits and a huge data section.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GgufError, GgufType, readGgufMetadata, SkippedArray } from "../../../engine/gguf/metadata.ts";
import { parseSplitName, splitParts } from "../../../engine/gguf/split.ts";
import { GGMLType, GGUFValueType, kv, readGGUF, writeGGUF } from "../../fixtures/gguf.ts";
import { generateModel, TINY_QWEN } from "../../fixtures/models.ts";

const MODELS = resolve(import.meta.dir, "../../../../shared/models");
const REAL = ["stories260K.gguf", "TinyStories-656K-Q8_0.gguf", "llama-2-tiny-random.gguf", "mmproj-tinygemma3.gguf"];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bunllama-gguf-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const tensor = (name: string, shape: number[]) => ({ name, shape, type: GGMLType.F32, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

describe("readGgufMetadata on the shared test models", () => {
  test("hyperparameters match the models' documented shapes", async () => {
    const stories = await readGgufMetadata(join(MODELS, "stories260K.gguf"));
    expect(stories.version).toBe(3);
    expect(stories.kv.get("general.architecture")).toBe("llama");
    expect(stories.kv.get("llama.block_count")).toBe(5);
    expect(stories.kv.get("llama.embedding_length")).toBe(64);
    expect((stories.kv.get("tokenizer.ggml.tokens") as string[]).length).toBe(512); // up to 1024 items are kept

    const tinyStories = await readGgufMetadata(join(MODELS, "TinyStories-656K-Q8_0.gguf"));
    expect(tinyStories.kv.get("llama.block_count")).toBe(2);
    expect(tinyStories.kv.get("llama.embedding_length")).toBe(128);
    expect(tinyStories.kv.get("tokenizer.ggml.tokens")).toEqual(new SkippedArray(GgufType.STRING, 2048));
    expect(tinyStories.tensors.find((t) => t.name === "blk.0.attn_q.weight")).toMatchObject({ type: GGMLType.Q8_0, dims: [128, 128] });

    const tiny = await readGgufMetadata(join(MODELS, "llama-2-tiny-random.gguf"));
    expect(tiny.kv.get("llama.block_count")).toBe(1);
    expect(tiny.kv.get("llama.embedding_length")).toBe(8);
    expect(tiny.kv.get("tokenizer.ggml.tokens")).toEqual(new SkippedArray(GgufType.STRING, 32000));

    const mmproj = await readGgufMetadata(join(MODELS, "mmproj-tinygemma3.gguf"));
    expect(mmproj.kv.get("general.architecture")).toBe("clip");
    expect(mmproj.kv.get("clip.projector_type")).toBe("gemma3");
    expect(mmproj.kv.get("clip.vision.image_mean")).toEqual([0.5, 0.5, 0.5]); // a short array is kept
  });

  test("tensor infos, data offset and scalar keys agree with the fixtures' whole-header parser", async () => {
    for (const name of REAL) {
      const path = join(MODELS, name);
      const ours = await readGgufMetadata(path, { maxArrayLength: Infinity });
      const theirs = await readGGUF(path);
      expect([name, ours.dataOffset]).toEqual([name, theirs.dataOffset]);
      expect(ours.tensors).toEqual(theirs.tensors.map((t) => ({ name: t.name, type: t.type, dims: t.shape, offset: t.offset })));
      expect([...ours.kv.keys()]).toEqual(Object.keys(theirs.metadata));
      for (const [key, value] of Object.entries(theirs.metadata)) {
        // f32 values are read as f32 by both; arrays whole with maxArrayLength Infinity.
        expect([key, ours.kv.get(key)]).toEqual([key, value.value]);
      }
      expect(ours.fileSize).toBe(Bun.file(path).size);
    }
  });
});

describe("readGgufMetadata on generated files", () => {
  test("a generated Qwen2.5-shaped model: qwen2 hparams, vocab stepped over", async () => {
    const meta = await readGgufMetadata(await generateModel(TINY_QWEN));
    expect(meta.kv.get("qwen2.block_count")).toBe(TINY_QWEN.nLayer);
    expect(meta.kv.get("qwen2.attention.head_count_kv")).toBe(TINY_QWEN.nHeadKv);
    expect(meta.kv.get("tokenizer.ggml.tokens")).toEqual(new SkippedArray(GgufType.STRING, 151936));
    expect(meta.kv.get("tokenizer.ggml.merges")).toBeInstanceOf(SkippedArray);
    expect(meta.kv.get("tokenizer.ggml.eos_token_id")).toBe(151645); // keys after the skipped arrays still read
    expect(meta.tensors.find((t) => t.name === "token_embd.weight")!.dims).toEqual([TINY_QWEN.nEmbd, 151936]);
  });

  test("every value type, 64-bit values beyond 2^53 as bigint, long arrays skipped or kept", async () => {
    const path = join(dir, "types.gguf");
    const long = Array.from({ length: 5000 }, (_, i) => `token-${i}`);
    await writeGGUF(
      path,
      {
        u8: kv.u8(200), i8: kv.i8(-100), u16: kv.u16(60000), i16: kv.i16(-30000), u32: kv.u32(4_000_000_000), i32: kv.i32(-2_000_000_000),
        f32: kv.f32(0.5), f64: kv.f64(1e300), bool: kv.bool(true), str: kv.str("héllo ✓"),
        u64: kv.u64(2n ** 60n), i64: kv.i64(-5n), small64: kv.u64(42n),
        long: kv.strings(long), ints: kv.array(GGUFValueType.INT32, Array.from({ length: 5000 }, (_, i) => i)),
        perLayer: kv.array(GGUFValueType.UINT32, [8, 0, 8]), after: kv.str("still here"),
      },
      [tensor("a", [4, 2]), tensor("b", [3])],
    );
    const meta = await readGgufMetadata(path);
    expect(Object.fromEntries(meta.kv)).toEqual({
      u8: 200, i8: -100, u16: 60000, i16: -30000, u32: 4_000_000_000, i32: -2_000_000_000,
      f32: 0.5, f64: 1e300, bool: true, str: "héllo ✓",
      u64: 2n ** 60n, i64: -5, small64: 42,
      long: new SkippedArray(GgufType.STRING, 5000), ints: new SkippedArray(GgufType.INT32, 5000),
      perLayer: [8, 0, 8], after: "still here",
    });
    expect(meta.tensors).toEqual([{ name: "a", type: GGMLType.F32, dims: [4, 2], offset: 0 }, { name: "b", type: GGMLType.F32, dims: [3], offset: 32 }]);
    expect(meta.dataOffset).toBe((await readGGUF(path)).dataOffset);
    expect((await readGgufMetadata(path, { maxArrayLength: Infinity })).kv.get("long")).toEqual(long);
  });

  test("the header of a file with gigabytes of tensor data is read without reading the data", async () => {
    const path = join(dir, "huge.gguf");
    await writeGGUF(path, { "general.architecture": kv.str("llama") }, [tensor("w", [8])]);
    await truncate(path, 64 * 2 ** 30); // sparse: 64 GiB that would not fit in memory
    const start = performance.now();
    const meta = await readGgufMetadata(path);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(meta.fileSize).toBe(64 * 2 ** 30);
    expect(meta.tensors).toHaveLength(1);
  });

  test("bad files are refused with the path and the reason", async () => {
    await writeFile(join(dir, "text.gguf"), "hello, not a model");
    await expect(readGgufMetadata(join(dir, "text.gguf"))).rejects.toThrow(`${join(dir, "text.gguf")}: not a GGUF file (bad magic)`);
    const whole = new Uint8Array(await Bun.file(join(MODELS, "stories260K.gguf")).arrayBuffer());
    await writeFile(join(dir, "cut.gguf"), whole.subarray(0, 4000));
    await expect(readGgufMetadata(join(dir, "cut.gguf"))).rejects.toThrow("truncated GGUF header");
    await expect(readGgufMetadata(join(dir, "cut.gguf"))).rejects.toBeInstanceOf(GgufError);
    await expect(readGgufMetadata(join(dir, "absent.gguf"))).rejects.toThrow("file not found");
  });
});

describe("split file names", () => {
  test("parts are found from the first one", () => {
    expect(parseSplitName("Qwen3-32B-Q8_0-00001-of-00003.gguf")).toEqual({ stem: "Qwen3-32B-Q8_0", part: 1, count: 3 });
    expect(parseSplitName("model.gguf")).toBeUndefined();
    expect(parseSplitName("x-00004-of-00003.gguf")).toBeUndefined();
    expect(splitParts("/m/x-00001-of-00003.gguf")).toEqual(["/m/x-00001-of-00003.gguf", "/m/x-00002-of-00003.gguf", "/m/x-00003-of-00003.gguf"]);
    expect(splitParts("/m/x.gguf")).toEqual(["/m/x.gguf"]);
  });
});
