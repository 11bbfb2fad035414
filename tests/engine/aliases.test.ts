// Model name resolution: ids, exact aliases, `default`, then patterns in config order.
import { describe, expect, test } from "bun:test";
import { ModelNames, patternToRegExp } from "../../engine/aliases.ts";
import type { ModelSpec, ModelsConfig } from "../../engine/modelSpec.ts";

function model(id: string, aliases: string[] = []): ModelSpec {
  return {
    id, aliases, path: `/models/${id}.gguf`, contextSize: 4096, parallel: 1, threads: 1, threadsBatch: 1, gpuLayers: -1,
    batchSize: 512, flashAttention: -1, kvUnified: false, cacheRamMiB: 0, sampling: {},
  };
}

function config(partial: Partial<ModelsConfig> & { models: ModelSpec[] }): ModelsConfig {
  return { aliases: [], defaultModel: partial.models[0]!.id, ...partial };
}

describe("ModelNames.resolve", () => {
  const names = new ModelNames(
    config({
      models: [model("qwen", ["pro", "claude-*"]), model("stories", ["gpt-4*"]), model("gpt-4o")],
      aliases: [{ name: "fast", target: "stories" }, { name: "gpt-*", target: "qwen" }, { name: "o?-mini", target: "stories" }],
      defaultModel: "stories",
    }),
  );

  test("an id resolves to itself, even where a pattern would match it", () => {
    expect(names.resolve("qwen")).toBe("qwen");
    expect(names.resolve("gpt-4o")).toBe("gpt-4o"); // the id wins over "gpt-*" and "gpt-4*"
  });

  test("exact aliases, per model and top-level", () => {
    expect(names.resolve("pro")).toBe("qwen");
    expect(names.resolve("fast")).toBe("stories");
  });

  test("default is the configured default model", () => {
    expect(names.resolve("default")).toBe("stories");
  });

  test("patterns: top-level first, then each model's, first match wins", () => {
    expect(names.resolve("claude-sonnet-4-5")).toBe("qwen");
    expect(names.resolve("gpt-4.1")).toBe("qwen"); // top-level "gpt-*" before stories' "gpt-4*"
    expect(names.resolve("o3-mini")).toBe("stories");
    expect(names.resolve("o33-mini")).toBeUndefined(); // ? is exactly one character
  });

  test("* crosses slashes: model names are not paths", () => {
    expect(names.resolve("claude-3/opus")).toBe("qwen");
  });

  test("unknown names and near misses resolve to nothing", () => {
    expect(names.resolve("Qwen")).toBeUndefined(); // names are case-sensitive
    expect(names.resolve("xclaude-3")).toBeUndefined(); // patterns are anchored
    expect(names.resolve("")).toBeUndefined();
  });

  test("pattern characters other than * and ? are literal", () => {
    expect(patternToRegExp("a.b+[c]").test("a.b+[c]")).toBe(true);
    expect(patternToRegExp("a.b").test("axb")).toBe(false);
    expect(patternToRegExp("{a,b}").test("a")).toBe(false);
  });
});

describe("ModelNames default and aliasesOf", () => {
  test("an exact alias named default overrides the default model", () => {
    const names = new ModelNames(config({ models: [model("a"), model("b", ["default"])] }));
    expect(names.resolve("default")).toBe("b");
    expect(names.aliasesOf("b")).toEqual(["default"]);
    expect(names.aliasesOf("a")).toEqual([]);
  });

  test("a model with id default is its own, not the default model's alias", () => {
    const names = new ModelNames(config({ models: [model("a"), model("default")], defaultModel: "a" }));
    expect(names.resolve("default")).toBe("default");
    expect(names.aliasesOf("a")).toEqual([]);
  });

  test("aliasesOf lists top-level and per-model names and patterns, and default", () => {
    const names = new ModelNames(
      config({ models: [model("qwen", ["pro", "claude-*"]), model("stories")], aliases: [{ name: "gpt-*", target: "qwen" }, { name: "fast", target: "stories" }] }),
    );
    expect(names.aliasesOf("qwen")).toEqual(["gpt-*", "pro", "claude-*", "default"]);
    expect(names.aliasesOf("stories")).toEqual(["fast"]);
    expect(names.aliasesOf("nope")).toEqual([]);
  });
});
