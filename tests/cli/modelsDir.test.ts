// --models-dir: the models a folder holds, named after their files, with projectors paired.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { scanModelsDir } from "../../cli/modelsDir.ts";
import type { ModelDefaults } from "../../engine/modelSpec.ts";

const MODELS = resolve(import.meta.dir, "../../../shared/models");
const STORIES = join(MODELS, "stories260K.gguf");
const TINY = join(MODELS, "llama-2-tiny-random.gguf");
const MMPROJ = join(MODELS, "mmproj-tinygemma3.gguf");
const DEFAULTS: ModelDefaults = {
  contextSize: 2048, parallel: 2, threads: 3, threadsBatch: 0, gpuLayers: -1, batchSize: 256,
  flashAttention: -1, kvUnified: false, cacheRamMiB: 0,
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bunllama-models-dir-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A folder with `files` (relative path → the real GGUF it links to, or text). */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, target] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    if (target.endsWith(".gguf")) await symlink(target, join(dir, path));
    else await writeFile(join(dir, path), target);
  }
  return dir;
}

const summary = (specs: Awaited<ReturnType<typeof scanModelsDir>>, dir: string) =>
  specs.map((s) => ({ id: s.id, path: s.path!.slice(dir.length + 1), mmproj: s.mmproj?.slice(dir.length + 1) }));

describe("scanModelsDir", () => {
  test("every GGUF of the folder and its subfolders, sorted, split files once, projectors paired", async () => {
    const dir = await folder("mixed", {
      "tiny.gguf": TINY,
      "stories.gguf": STORIES,
      "mmproj-tiny.gguf": MMPROJ,
      "big-00001-of-00002.gguf": STORIES,
      "big-00002-of-00002.gguf": STORIES,
      "Upper.GGUF": STORIES,
      ".partial.gguf": STORIES,
      "notes.txt": "not a model",
      "gemma/gemma-Q4_K_M.gguf": TINY,
      "gemma/gemma-Q8_0.gguf": TINY,
      "gemma/mmproj-F16.gguf": MMPROJ,
      "dup/stories.gguf": STORIES,
      "deep/er/hidden.gguf": STORIES,
    });
    expect(summary(await scanModelsDir(dir, DEFAULTS), dir)).toEqual([
      { id: "Upper", path: "Upper.GGUF", mmproj: undefined },
      { id: "big", path: "big-00001-of-00002.gguf", mmproj: undefined },
      { id: "dup/stories", path: "dup/stories.gguf", mmproj: undefined },
      { id: "gemma-Q4_K_M", path: "gemma/gemma-Q4_K_M.gguf", mmproj: "gemma/mmproj-F16.gguf" },
      { id: "gemma-Q8_0", path: "gemma/gemma-Q8_0.gguf", mmproj: "gemma/mmproj-F16.gguf" },
      { id: "stories", path: "stories.gguf", mmproj: undefined },
      { id: "tiny", path: "tiny.gguf", mmproj: "mmproj-tiny.gguf" },
    ]);
  });

  test("models take the flags' settings", async () => {
    const dir = await folder("one", { "stories.gguf": STORIES });
    expect(await scanModelsDir(dir, DEFAULTS)).toEqual([
      {
        id: "stories", aliases: [], path: join(dir, "stories.gguf"), sampling: {},
        contextSize: 2048, parallel: 2, threads: 3, threadsBatch: 3, gpuLayers: -1, batchSize: 256,
        flashAttention: -1, kvUnified: false, cacheRamMiB: 0, cacheDir: undefined, ttlSeconds: undefined,
      },
    ]);
  });

  test("one model and one projector in a folder pair whatever their names", async () => {
    const dir = await folder("pair", { "model.gguf": TINY, "vision-mmproj-f16.gguf": MMPROJ });
    expect(summary(await scanModelsDir(dir, DEFAULTS), dir)).toEqual([{ id: "model", path: "model.gguf", mmproj: "vision-mmproj-f16.gguf" }]);
  });

  test("an unnamed projector beside several top-level models pairs with none", async () => {
    const dir = await folder("ambiguous", { "a.gguf": TINY, "b.gguf": STORIES, "mmproj-f16.gguf": MMPROJ });
    expect(summary(await scanModelsDir(dir, DEFAULTS), dir)).toEqual([
      { id: "a", path: "a.gguf", mmproj: undefined },
      { id: "b", path: "b.gguf", mmproj: undefined },
    ]);
  });

  test("a split model's projector is named after the model, not its first part", async () => {
    const dir = await folder("split", {
      "x-00001-of-00002.gguf": STORIES, "x-00002-of-00002.gguf": STORIES, "y.gguf": TINY, "mmproj-x.gguf": MMPROJ,
    });
    expect(summary(await scanModelsDir(dir, DEFAULTS), dir)).toEqual([
      { id: "x", path: "x-00001-of-00002.gguf", mmproj: "mmproj-x.gguf" },
      { id: "y", path: "y.gguf", mmproj: undefined },
    ]);
  });

  test("an empty folder has no models; a missing one is an error", async () => {
    expect(await scanModelsDir(await folder("empty", { "readme.txt": "none" }), DEFAULTS)).toEqual([]);
    await expect(scanModelsDir(join(root, "absent"), DEFAULTS)).rejects.toThrow(`models folder not found: ${join(root, "absent")}`);
  });
});
