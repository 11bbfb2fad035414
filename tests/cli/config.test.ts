// The models config file: YAML, TOML and JSON give the same models; every mistake is refused
// with one line naming the file, the entry and the field.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError, loadModelsConfig, modelDefaultsFromFlags, singleModelConfig } from "../../cli/config.ts";
import { expandPath, Where } from "../../cli/configFields.ts";
import { parseSampling, SAMPLING_FIELDS } from "../../cli/configSampling.ts";
import { DEFAULT_FLAGS } from "../../cli/flags.ts";
import { SAMPLING_DEFAULTS } from "../../core/index.ts";
import type { ModelDefaults } from "../../engine/modelSpec.ts";

const MODELS = resolve(import.meta.dir, "../../../shared/models");
const DEFAULTS: ModelDefaults = {
  contextSize: 4096, parallel: 4, threads: 3, threadsBatch: 0, gpuLayers: -1, batchSize: 512,
  flashAttention: -1, kvUnified: false, cacheRamMiB: 4096,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bunllama-config-"));
  await mkdir(join(dir, "models"));
  await mkdir(join(dir, "templates"));
  await symlink(join(MODELS, "stories260K.gguf"), join(dir, "models/stories.gguf"));
  await symlink(join(MODELS, "llama-2-tiny-random.gguf"), join(dir, "models/tiny.gguf"));
  await symlink(join(MODELS, "mmproj-tinygemma3.gguf"), join(dir, "models/mmproj-tiny.gguf"));
  await writeFile(join(dir, "templates/chat.jinja"), "{{ messages }}");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(name: string, text: string, defaults = DEFAULTS) {
  await writeFile(join(dir, name), text);
  return loadModelsConfig(join(dir, name), defaults);
}

/** The ConfigError message a config gives (the test fails if it loads). */
async function refusal(text: string, name = "models.yaml"): Promise<string> {
  try {
    await load(name, text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message.startsWith(`${name}: `)).toBe(true);
    return message;
  }
  throw new Error(`config loaded, expected a refusal:\n${text}`);
}

const FULL_YAML = `
default: tiny
max_loaded_models: 2
aliases:
  fast: stories
  "gpt-*": tiny
models:
  - id: stories
    path: ./models/stories.gguf
    aliases: [pro, "claude-*"]
    ctx_size: 8192
    parallel: 2
    threads: 4
    threads_batch: 6
    batch_size: 256
    gpu_layers: 99
    flash_attn: on
    kv_unified: true
    cache_ram: 1024
    cache_dir: cache/stories
    chat_template_file: ./templates/chat.jinja
    sampling: { temperature: 0.7, top_k: 20, top_p: 0.8, min_p: 0, repeat_penalty: 1.05, seed: 1, dry_sequence_breakers: ["\\n"], ignore_eos: true }
    ttl: 10m
    price: { prompt: 0.5, completion: 1.5 }
  - id: tiny
    path: models/tiny.gguf
    mmproj: models/mmproj-tiny.gguf
    source: owner/repo:Q4_K_M
`;

const FULL_TOML = `
default = "tiny"
max_loaded_models = 2

[aliases]
fast = "stories"
"gpt-*" = "tiny"

[[models]]
id = "stories"
path = "./models/stories.gguf"
aliases = ["pro", "claude-*"]
ctx_size = 8192
parallel = 2
threads = 4
threads_batch = 6
batch_size = 256
gpu_layers = 99
flash_attn = "on"
kv_unified = true
cache_ram = 1024
cache_dir = "cache/stories"
chat_template_file = "./templates/chat.jinja"
sampling = { temperature = 0.7, top_k = 20, top_p = 0.8, min_p = 0, repeat_penalty = 1.05, seed = 1, dry_sequence_breakers = ["\\n"], ignore_eos = true }
ttl = "10m"
price = { prompt = 0.5, completion = 1.5 }

[[models]]
id = "tiny"
path = "models/tiny.gguf"
mmproj = "models/mmproj-tiny.gguf"
source = "owner/repo:Q4_K_M"
`;

describe("loadModelsConfig", () => {
  test("YAML: every field, relative paths against the config's folder", async () => {
    const config = await load("models.yaml", FULL_YAML);
    expect(config.defaultModel).toBe("tiny");
    expect(config.maxLoadedModels).toBe(2);
    expect(config.source).toBe(join(dir, "models.yaml"));
    expect(config.aliases).toEqual([{ name: "fast", target: "stories" }, { name: "gpt-*", target: "tiny" }]);
    const [stories, tiny] = config.models;
    expect(stories).toEqual({
      id: "stories",
      aliases: ["pro", "claude-*"],
      path: join(dir, "models/stories.gguf"),
      chatTemplateFile: join(dir, "templates/chat.jinja"),
      contextSize: 8192, parallel: 2, threads: 4, threadsBatch: 6, batchSize: 256, gpuLayers: 99,
      flashAttention: 1, kvUnified: true, cacheRamMiB: 1024, cacheDir: join(dir, "cache/stories"),
      sampling: { temperature: 0.7, topK: 20, topP: 0.8, minP: 0, repeatPenalty: 1.05, seed: 1, drySequenceBreakers: ["\n"], ignoreEos: true },
      ttlSeconds: 600,
      price: { prompt: 0.5, completion: 1.5 },
    });
    expect(tiny!.mmproj).toBe(join(dir, "models/mmproj-tiny.gguf"));
    expect(tiny!.source).toBe("owner/repo:Q4_K_M");
  });

  test("TOML and JSON give the same config as YAML", async () => {
    const yaml = await load("models.yaml", FULL_YAML);
    const toml = await load("models.toml", FULL_TOML);
    const json = await load("models.json", JSON.stringify(Bun.YAML.parse(FULL_YAML)));
    expect({ ...toml, source: "" }).toEqual({ ...yaml, source: "" });
    expect({ ...json, source: "" }).toEqual({ ...yaml, source: "" });
    expect((await load("models.yml", FULL_YAML)).models).toEqual(yaml.models);
  });

  test("what an entry leaves out takes the flags' values; threads_batch follows threads", async () => {
    const config = await load("models.yaml", "models:\n  - id: a\n    path: models/stories.gguf\n  - id: b\n    path: models/stories.gguf\n    threads: 7\n");
    const { id, aliases, path, sampling, ...settings } = config.models[0]!;
    expect({ id, aliases, path, sampling }).toEqual({ id: "a", aliases: [], path: join(dir, "models/stories.gguf"), sampling: {} });
    expect(settings).toEqual({
      contextSize: 4096, parallel: 4, threads: 3, threadsBatch: 3, gpuLayers: -1, batchSize: 512,
      flashAttention: -1, kvUnified: false, cacheRamMiB: 4096, cacheDir: undefined, ttlSeconds: undefined,
    });
    expect(config.models[1]!.threadsBatch).toBe(7);
    expect(config.defaultModel).toBe("a");
    expect(config.aliases).toEqual([]);
    expect(config.maxLoadedModels).toBeUndefined();
    // An explicit --threads-batch stays.
    expect((await load("models.yaml", "models:\n  - id: a\n    path: models/stories.gguf\n    threads: 7\n", { ...DEFAULTS, threadsBatch: 5 })).models[0]!.threadsBatch).toBe(5);
  });

  test("default may name an alias of its model", async () => {
    const config = await load("models.yaml", "default: fast\naliases: { fast: b }\nmodels:\n  - { id: a, path: models/stories.gguf }\n  - { id: b, path: models/tiny.gguf, aliases: [bee] }\n");
    expect(config.defaultModel).toBe("b");
    expect((await load("models.yaml", "default: bee\nmodels:\n  - { id: a, path: models/stories.gguf }\n  - { id: b, path: models/tiny.gguf, aliases: [bee] }\n")).defaultModel).toBe("b");
  });

  test("ttl: seconds or durations; 0 and never mean never", async () => {
    const ttls: [string, number | undefined][] = [
      ["600", 600], ["1.5", 1.5], ["30s", 30], ["10m", 600], ["1h", 3600], ["1h30m", 5400], ["2d", 172800], ["0", undefined], ["never", undefined],
    ];
    for (const [ttl, seconds] of ttls) {
      const config = await load("models.yaml", `models:\n  - { id: a, path: models/stories.gguf, ttl: ${ttl} }\n`);
      expect([ttl, config.models[0]!.ttlSeconds]).toEqual([ttl, seconds]);
    }
    for (const bad of ["10 minutes", "-5", "5x", "m", "true"]) {
      expect(await refusal(`models:\n  - { id: a, path: models/stories.gguf, ttl: ${bad} }\n`)).toContain('models[0] (id "a"): ttl must be seconds or a duration');
    }
  });

  test("a negative seed means random, as in a request", async () => {
    const config = await load("models.yaml", "models:\n  - { id: a, path: models/stories.gguf, sampling: { seed: -1, top_k: 5 } }\n");
    expect(config.models[0]!.sampling).toEqual({ topK: 5 });
  });

  test("every sampling field maps onto a SamplingParams key", () => {
    const keys = new Set([...Object.keys(SAMPLING_DEFAULTS), "seed", "ignoreEos"]);
    const where = new Where("models.yaml", undefined, "/");
    for (const [wire, bounds] of Object.entries(SAMPLING_FIELDS)) {
      const value = bounds.kind === "boolean" ? true : bounds.kind === "strings" ? ["x"] : Math.max(bounds.minimum ?? 0, 0);
      const mapped = Object.keys(parseSampling(where, { [wire]: value }));
      expect([wire, mapped.length, keys.has(mapped[0]!)]).toEqual([wire, 1, true]);
    }
    expect(Object.keys(SAMPLING_FIELDS)).toContain("xtc_min_keep");
  });

  test("`~` is the home folder", () => {
    expect(expandPath("/x", "~/m.gguf")).toBe(join(homedir(), "m.gguf"));
    expect(expandPath("/x", "m.gguf")).toBe("/x/m.gguf");
    expect(expandPath("/x", "/abs/m.gguf")).toBe("/abs/m.gguf");
  });
});

describe("loadModelsConfig refusals: one line naming file, entry and field", () => {
  const entry = (extra: string, id = "a") => `models:\n  - id: ${id}\n    path: models/stories.gguf\n${extra}`;
  const known = "id, path, source, aliases, mmproj, chat_template_file, ctx_size, parallel, threads, threads_batch, batch_size, gpu_layers, flash_attn, kv_unified, cache_ram, cache_dir, sampling, ttl, price";
  const cases: [string, string, string][] = [
    ["an unknown field, with the known ones", entry("    ctx: 5\n"), `models.yaml: models[0] (id "a"): ctx is not a known field (known: ${known})`],
    ["a bad number", `models:\n  - { id: a, path: models/stories.gguf }\n  - { id: fast, path: models/tiny.gguf, ctx_size: big }\n`, `models.yaml: models[1] (id "fast"): ctx_size must be an integer >= 0 (0 = the model's), got "big"`],
    ["a zero parallel", entry("    parallel: 0\n"), `models.yaml: models[0] (id "a"): parallel must be a positive integer, got 0`],
    ["a fractional batch", entry("    batch_size: 1.5\n"), `models.yaml: models[0] (id "a"): batch_size must be a positive integer, got 1.5`],
    ["gpu layers below -1", entry("    gpu_layers: -2\n"), `models.yaml: models[0] (id "a"): gpu_layers must be an integer >= -1 (-1 or "all" = every layer), got -2`],
    ["a bad flash_attn", entry("    flash_attn: maybe\n"), `models.yaml: models[0] (id "a"): flash_attn must be on, off or auto, got "maybe"`],
    ["a non-boolean kv_unified", entry("    kv_unified: 1\n"), `models.yaml: models[0] (id "a"): kv_unified must be true or false, got 1`],
    ["a negative cache_ram", entry("    cache_ram: -1\n"), `models.yaml: models[0] (id "a"): cache_ram must be an integer >= 0 MiB (0 = off), got -1`],
    ["a sampling value out of the request's bounds", entry("    sampling: { min_p: 2 }\n"), `models.yaml: models[0] (id "a"): sampling.min_p must be a number between 0 and 1, got 2`],
    ["a fractional top_k", entry("    sampling: { top_k: 2.5 }\n"), `models.yaml: models[0] (id "a"): sampling.top_k must be an integer >= 0, got 2.5`],
    ["a negative temperature", entry("    sampling: { temperature: -1 }\n"), `models.yaml: models[0] (id "a"): sampling.temperature must be a number >= 0, got -1`],
    ["a non-string breaker", entry("    sampling: { dry_sequence_breakers: [1] }\n"), `models.yaml: models[0] (id "a"): sampling.dry_sequence_breakers must be a list of strings, got [1]`],
    ["an unknown sampling field", entry("    sampling: { top_kk: 3 }\n"), `models.yaml: models[0] (id "a"): sampling.top_kk is not a known field (known: temperature, top_p, seed, top_k,`],
    ["a negative price", entry("    price: { prompt: -1 }\n"), `models.yaml: models[0] (id "a"): price.prompt must be a number >= 0, got -1`],
    ["an unknown price field", entry("    price: { input: 1 }\n"), `models.yaml: models[0] (id "a"): price.input is not a known field (known: prompt, completion)`],
    ["duplicate ids", `models:\n  - { id: a, path: models/stories.gguf }\n  - { id: a, path: models/tiny.gguf }\n`, `models.yaml: models[1] (id "a"): id "a" is already the id of models[0]`],
    ["an alias equal to another id", `models:\n  - { id: a, path: models/stories.gguf }\n  - { id: b, path: models/tiny.gguf, aliases: [a] }\n`, `models.yaml: models[1] (id "b"): aliases "a" is already the id of models[0]`],
    ["one alias on two models", `models:\n  - { id: a, path: models/stories.gguf, aliases: [x] }\n  - { id: b, path: models/tiny.gguf, aliases: [x] }\n`, `models.yaml: models[1] (id "b"): aliases "x" is already an alias of model "a"`],
    ["a top-level alias taken by a model", `aliases: { x: b }\nmodels:\n  - { id: a, path: models/stories.gguf, aliases: [x] }\n  - { id: b, path: models/tiny.gguf }\n`, `models.yaml: aliases "x" is already an alias of model "a"`],
    ["neither path nor source", "models:\n  - id: a\n", `models.yaml: models[0] (id "a"): path is missing: give path (a local GGUF file) or source (a URL or hub reference)`],
    ["a missing model file", "models:\n  - { id: a, path: models/nope.gguf }\n", `models.yaml: models[0] (id "a"): path file not found: `],
    ["a folder for a path", "models:\n  - { id: a, path: models }\n", `models.yaml: models[0] (id "a"): path is not a file: `],
    ["a missing projector", entry("    mmproj: models/mmproj-nope.gguf\n"), `models.yaml: models[0] (id "a"): mmproj file not found: `],
    ["a missing template", entry("    chat_template_file: t.jinja\n"), `models.yaml: models[0] (id "a"): chat_template_file file not found: `],
    ["a bad source", "models:\n  - { id: a, source: 'ftp://x/y.gguf' }\n", `models.yaml: models[0] (id "a"): source must be an http(s) URL or a hub reference`],
    ["an alias to no model", `aliases: { fast: nope }\n${entry("")}`, `models.yaml: aliases."fast" must name a model id, got "nope" (ids: a)`],
    ["an unknown default", `default: nope\n${entry("")}`, `models.yaml: default names no model: "nope" (ids: a)`],
    ["an id with whitespace", "models:\n  - { id: 'my model', path: models/stories.gguf }\n", `models.yaml: models[0]: id must be a non-empty name without whitespace, got "my model"`],
    ["an empty id", "models:\n  - { id: '', path: models/stories.gguf }\n", `models.yaml: models[0]: id must be a non-empty name without whitespace, got ""`],
    ["a missing id", "models:\n  - { path: models/stories.gguf }\n", `models.yaml: models[0]: id must be a non-empty name without whitespace, got undefined`],
    ["an alias with whitespace", entry("    aliases: ['a b']\n", "x"), `models.yaml: models[0] (id "x"): aliases[0] must be a non-empty name without whitespace, got "a b"`],
    ["an unknown top-level field", `default_model: a\n${entry("")}`, `models.yaml: default_model is not a known field (known: default, aliases, models, max_loaded_models, auth, groups)`],
    ["no models", "models: []\n", `models.yaml: models must be a non-empty list of models, got []`],
    ["an entry that is not a mapping", "models:\n  - a.gguf\n", `models.yaml: models[0]: entry must be a mapping, got "a.gguf"`],
    ["max_loaded_models 0", `max_loaded_models: 0\n${entry("")}`, `models.yaml: max_loaded_models must be a positive integer, got 0`],
  ];
  for (const [what, text, expected] of cases) {
    test(what, async () => {
      expect(await refusal(text)).toStartWith(expected);
    });
  }

  test("unparseable YAML, TOML and JSON name the file and the parser's message", async () => {
    expect(await refusal("models: [\n", "bad.yaml")).toStartWith("bad.yaml: cannot parse: ");
    expect(await refusal("models = \n", "bad.toml")).toStartWith("bad.toml: cannot parse: ");
    expect(await refusal("{ models: ", "bad.json")).toStartWith("bad.json: cannot parse: ");
    expect(await refusal("models: []", "bad.ini")).toBe('bad.ini: unknown config format ".ini" (use .yaml, .yml, .toml or .json)');
  });

  test("a missing config file says so", async () => {
    await expect(loadModelsConfig(join(dir, "absent.yaml"), DEFAULTS)).rejects.toThrow(`absent.yaml: config file not found: ${join(dir, "absent.yaml")}`);
  });
});

describe("--model alone", () => {
  test("singleModelConfig: one model named after its file or its alias, with the flags' settings", () => {
    const flags = { ...DEFAULT_FLAGS, ctxSize: 2048, threads: 5, threadsBatch: 0, chatTemplateFile: "/t.jinja" };
    const config = singleModelConfig("/m/Qwen2.5-0.5B.gguf", undefined, modelDefaultsFromFlags(flags));
    expect(config.defaultModel).toBe("Qwen2.5-0.5B");
    expect(config.models).toHaveLength(1);
    expect(config.models[0]).toMatchObject({ id: "Qwen2.5-0.5B", path: "/m/Qwen2.5-0.5B.gguf", contextSize: 2048, threads: 5, threadsBatch: 5, chatTemplateFile: "/t.jinja", aliases: [] });
    expect(singleModelConfig("/m/x.gguf", "fast", modelDefaultsFromFlags(flags)).models[0]!.id).toBe("fast");
  });
});
