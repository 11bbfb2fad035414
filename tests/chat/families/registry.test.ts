// The family registry: every family is recognised from a real template of its own, and the
// registry's order decides when a template carries the markers of several families.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FAMILIES, familyByName, familyFor, toolCallFamily, type Family } from "../../../chat/families/registry.ts";

const DIR = join(import.meta.dir, "../../../llama.cpp/src/models/templates");
const template = (name: string) => readFileSync(join(DIR, `${name}.jinja`), "utf8");

/** One real template per registered family. */
const EXAMPLE: Record<Family, string> = {
  "gpt-oss": "openai-gpt-oss-120b",
  deepseek: "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
  mistral: "mistralai-Mistral-Nemo-Instruct-2407",
  "qwen3-coder": "Qwen3-Coder",
  hermes: "Qwen-Qwen2.5-7B-Instruct",
  llama3: "meta-llama-Llama-3.1-8B-Instruct",
  generic: "google-gemma-2-2b-it",
  none: "GLM-4.6",
};

const names = FAMILIES.map((family) => family.name);

describe("family registry", () => {
  test("names are unique and each resolves to its family", () => {
    expect(new Set(names).size).toBe(names.length);
    for (const family of FAMILIES) expect(familyByName(family.name)).toBe(family);
  });

  for (const family of FAMILIES) {
    test(`${family.name} is detected from its real template (${EXAMPLE[family.name]})`, () => {
      const src = template(EXAMPLE[family.name]);
      expect(family.detect(src)).toBe(true);
      expect(familyFor(src).name).toBe(family.name);
    });
  }

  test("when a template carries two families' markers, the one earlier in the registry wins, wherever they stand", () => {
    // Families recognised by markers they write (generic and none are negative or catch-all).
    const marked = names.filter((name) => name !== "generic" && name !== "none");
    let overlaps = 0;
    for (const [i, earlier] of marked.entries()) {
      for (const later of marked.slice(i + 1)) {
        for (const src of [template(EXAMPLE[earlier]) + template(EXAMPLE[later]), template(EXAMPLE[later]) + template(EXAMPLE[earlier])]) {
          if (!familyByName(earlier).detect(src) || !familyByName(later).detect(src)) continue;
          overlaps++;
          expect(familyFor(src).name).toBe(earlier);
        }
      }
    }
    expect(overlaps).toBeGreaterThan(10);
  });

  test("gpt-oss, DeepSeek, Mistral and Qwen3-Coder markup wins over Hermes' <tool_call>", () => {
    const hermesSrc = template(EXAMPLE.hermes);
    for (const name of ["gpt-oss", "deepseek", "mistral", "qwen3-coder"] as const) {
      const src = hermesSrc + template(EXAMPLE[name]);
      expect(familyByName("hermes").detect(src)).toBe(true);
      expect(familyFor(src).name).toBe(name);
    }
  });

  test("generic only for templates that never mention tools; none catches the rest", () => {
    expect(names.slice(-2)).toEqual(["generic", "none"]);
    expect(familyFor("{{ messages[0].content }}").name).toBe("generic");
    expect(familyFor("{% for tool in tools %}{{ tool | tojson }}{% endfor %}").name).toBe("none");
  });

  test("without a template, GGUF metadata decides, and nothing known is none", () => {
    expect(familyFor("  ", { architecture: "gpt-oss" }).name).toBe("gpt-oss");
    expect(familyFor("", { architecture: "llama", name: "Devstral Small" }).name).toBe("mistral");
    expect(familyFor("", { architecture: "llama", name: "stories260K" }).name).toBe("none");
    expect(familyFor("").name).toBe("none");
  });

  test("tool calls of a family without a format of its own take the generic envelope", () => {
    expect(toolCallFamily("none").name).toBe("generic");
    for (const family of FAMILIES.filter((family) => family.name !== "none")) expect(toolCallFamily(family.name).name).toBe(family.name);
  });

  test("only Mistral hands out 9-character ids and has template-dependent format traits", () => {
    expect(FAMILIES.filter((family) => family.toolCallIds === "nine-alphanumerics").map((family) => family.name)).toEqual(["mistral"]);
    const mistral = familyByName("mistral");
    expect(mistral.formatTraits?.(template("mistralai-Mistral-Nemo-Instruct-2407"))).toEqual({ argsForm: false });
    expect(mistral.formatTraits?.(template("unsloth-mistral-Devstral-Small-2507"))).toEqual({ argsForm: true });
  });
});
