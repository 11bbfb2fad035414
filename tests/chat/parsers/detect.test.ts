import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FAMILIES as REGISTRY } from "../../../chat/families/registry.ts";
import { detectFamily, type Family } from "../../../chat/parsers/index.ts";

const DIR = join(import.meta.dir, "../../../llama.cpp/src/models/templates");
const FAMILIES: Family[] = REGISTRY.map((family) => family.name);

const EXPECTED: Record<string, Family> = {
  "Qwen-Qwen2.5-7B-Instruct": "hermes",
  "Qwen-Qwen3-0.6B": "hermes",
  "Qwen-QwQ-32B": "hermes",
  "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use": "hermes",
  "NousResearch-Hermes-3-Llama-3.1-8B-tool_use": "hermes",
  "MiMo-VL": "hermes",
  "ibm-granite-granite-4.0": "hermes",
  "Qwen3-Coder": "qwen3-coder",
  "Qwen3.5-4B": "qwen3-coder",
  "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16": "qwen3-coder",
  "StepFun3.5-Flash": "qwen3-coder",
  "meta-llama-Llama-3.1-8B-Instruct": "llama3",
  "meta-llama-Llama-3.2-3B-Instruct": "llama3",
  "meta-llama-Llama-3.3-70B-Instruct": "llama3",
  "mistralai-Mistral-Nemo-Instruct-2407": "mistral",
  "Mistral-Small-3.2-24B-Instruct-2506": "mistral",
  "unsloth-mistral-Devstral-Small-2507": "mistral",
  "mistralai-Ministral-3-14B-Reasoning-2512": "mistral",
  "openai-gpt-oss-120b": "gpt-oss",
  "deepseek-ai-DeepSeek-R1-Distill-Llama-8B": "deepseek",
  "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": "deepseek",
  "deepseek-ai-DeepSeek-V3.1": "deepseek",
  "llama-cpp-deepseek-r1": "deepseek",
  // no tool support in the template: plain JSON fallback
  "google-gemma-2-2b-it": "generic",
  "microsoft-Phi-3.5-mini-instruct": "generic",
  // native formats not handled here
  "deepseek-ai-DeepSeek-V3.2": "none",
  "GLM-4.6": "none",
  "ByteDance-Seed-OSS": "none",
  "moonshotai-Kimi-K2": "none",
  "meetkai-functionary-medium-v3.1": "none",
  "meetkai-functionary-medium-v3.2": "none",
  "fireworks-ai-llama-3-firefunction-v2": "none",
  "MiniMax-M3": "none",
  "unsloth-Apriel-1.5": "none",
  "inclusionai-ling-3.0-flash": "none",
};

const templates = readdirSync(DIR)
  .filter((f) => f.endsWith(".jinja"))
  .map((f) => ({ name: f.replace(/\.jinja$/, ""), src: readFileSync(join(DIR, f), "utf8") }));

describe("detectFamily over llama.cpp's templates", () => {
  test("the template folder is there", () => {
    expect(templates.length).toBeGreaterThan(60);
    for (const name of Object.keys(EXPECTED)) expect(templates.map((t) => t.name)).toContain(name);
  });

  for (const { name, src } of templates) {
    test(name, () => {
      const family = detectFamily(src);
      expect(FAMILIES).toContain(family);
      if (name in EXPECTED) expect(family).toBe(EXPECTED[name]!);
    });
  }
});

describe("detectFamily without a template", () => {
  test("model metadata decides", () => {
    expect(detectFamily("", { architecture: "gpt-oss" })).toBe("gpt-oss");
    expect(detectFamily("", { architecture: "qwen3moe", name: "Qwen3 Coder 30B A3B Instruct" })).toBe("qwen3-coder");
    expect(detectFamily("", { architecture: "qwen2", name: "Qwen2.5 7B Instruct" })).toBe("hermes");
    expect(detectFamily("", { architecture: "llama", name: "Meta Llama 3.1 8B Instruct" })).toBe("llama3");
    expect(detectFamily("", { architecture: "llama", name: "Mistral Nemo Instruct 2407" })).toBe("mistral");
    expect(detectFamily("", { architecture: "deepseek2" })).toBe("deepseek");
    expect(detectFamily("", { architecture: "llama", name: "stories260K" })).toBe("none");
    expect(detectFamily("")).toBe("none");
  });
});
