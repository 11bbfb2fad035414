// Turning auth on: the --auth flag, BUNLLAMA_AUTH, and the config file's top-level `auth`.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadModelsConfig } from "../../cli/config.ts";
import { parseFlags } from "../../cli/flags.ts";
import type { ModelDefaults } from "../../engine/modelSpec.ts";

const dir = mkdtempSync(join(tmpdir(), "bunllama-auth-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEFAULTS: ModelDefaults = { contextSize: 512, parallel: 1, threads: 1, threadsBatch: 1, gpuLayers: 0, batchSize: 64, flashAttention: -1, kvUnified: false, cacheRamMiB: 0 };

async function load(text: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return loadModelsConfig(file, DEFAULTS);
}

describe("auth switch", () => {
  test("off by default; --auth, --auth=false and BUNLLAMA_AUTH", () => {
    expect(parseFlags([], {}).auth).toBe(false);
    expect(parseFlags(["--auth"], {}).auth).toBe(true);
    expect(parseFlags(["--auth=false"], { BUNLLAMA_AUTH: "1" }).auth).toBe(false);
    expect(parseFlags([], { BUNLLAMA_AUTH: "true" }).auth).toBe(true);
    expect(parseFlags([], { BUNLLAMA_AUTH: "0" }).auth).toBe(false);
  });

  test("the config file's top-level auth: a boolean, absent by default", async () => {
    writeFileSync(join(dir, "a.gguf"), "");
    const models = "models:\n  - id: a\n    path: a.gguf\n";
    expect((await load(`auth: true\n${models}`)).auth).toBe(true);
    expect((await load(`auth: false\n${models}`)).auth).toBe(false);
    expect((await load(models)).auth).toBeUndefined();
    const refused = await load(`auth: "yes"\n${models}`).catch((error) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.message).toContain("auth");
  });
});
