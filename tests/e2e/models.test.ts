// Several models from one config file, as clients see them: ids, aliases and patterns through the
// official SDKs, loading on demand (one load for concurrent first requests), least recently used
// eviction, idle unload, admin load and unload, per-model sampling defaults, and the refusals.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { IDLE_TIMEOUT_SECONDS } from "../../api/http/sse.ts";
import { loadModelsConfig } from "../../cli/config.ts";
import { LocalEngine } from "../../engine/localEngine.ts";
import type { ModelDefaults } from "../../engine/modelSpec.ts";
import { ModelRegistry, type RegistryOptions } from "../../engine/registry.ts";
import { estimateModelMemory } from "../../engine/gguf/memoryEstimate.ts";
import { createApp } from "../../server.ts";
import { sourceDownloader } from "../../download/forRegistry.ts";
import { FakeHub } from "../download/fakeHub.ts";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { TINY_LLAMA3 } from "../support/generated.ts";
import { STORIES_260K } from "../support/models.ts";

const DEFAULTS: ModelDefaults = {
  contextSize: 1024,
  parallel: 2,
  threads: 1,
  threadsBatch: 1,
  gpuLayers: 0,
  batchSize: 256,
  flashAttention: -1,
  kvUnified: false,
  cacheRamMiB: 0,
};

interface Served {
  url: string;
  engine: LocalEngine;
  logs: string[];
  openai: OpenAI;
  close(): Promise<void>;
}

async function serve(configText: string, options: Partial<RegistryOptions> = {}): Promise<Served & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "bunllama-models-e2e-"));
  const file = join(dir, "models.yaml");
  writeFileSync(file, configText);
  const config = await loadModelsConfig(file, DEFAULTS);
  const logs: string[] = [];
  const registry = new ModelRegistry(config, {
    queueSize: 8,
    log: (line) => logs.push(line),
    verbose: false,
    maxLoadedModels: config.maxLoadedModels ?? 0,
    memoryBudgetBytes: 0,
    loadTimeoutMs: 60_000,
    estimate: (spec, path) => estimateModelMemory(path, { ...spec, hasGpu: false }),
    ...options,
  });
  await registry.estimateAll();
  const engine = new LocalEngine(registry);
  const app = createApp(engine);
  app.listen({ hostname: "127.0.0.1", port: 0, idleTimeout: IDLE_TIMEOUT_SECONDS });
  const url = `http://127.0.0.1:${app.server!.port}`;
  return {
    dir,
    url,
    engine,
    logs,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 }),
    async close() {
      app.stop(true);
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Listed = { id: string; status: string; aliases: string[]; capabilities?: Record<string, boolean>; context_length?: number; memory?: { ram_bytes: number } };

async function listed(server: Served): Promise<Record<string, Listed>> {
  const body = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: Listed[] };
  return Object.fromEntries(body.data.map((m) => [m.id, m]));
}

async function statuses(server: Served): Promise<Record<string, string>> {
  return Object.fromEntries(Object.values(await listed(server)).map((m) => [m.id, m.status]));
}

/** Polls /v1/models until the model has the status (the idle timer runs on the server). */
async function untilStatus(server: Served, id: string, status: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await statuses(server))[id] !== status) {
    if (Date.now() > end) throw new Error(`${id} never became ${status}: ${JSON.stringify(await statuses(server))}`);
    await Bun.sleep(50);
  }
}

const ask = (server: Served, model: string, content = "Once upon a time") =>
  server.openai.chat.completions.create({ model, messages: [{ role: "user", content }], max_tokens: 8 });

describe("a config with three models", () => {
  let server: Served;
  const loads = (id: string) => server.logs.filter((line) => line.startsWith(`loading model ${id} (`)).length;

  beforeAll(async () => {
    const [qwen, llama] = await Promise.all([generateModel(TINY_QWEN), generateModel(TINY_LLAMA3)]);
    server = await serve(`
default: qwen
max_loaded_models: 2
aliases:
  gpt-mini: stories
  "gpt-*": qwen
models:
  - id: qwen
    path: ${qwen}
    aliases: [pro]
  - id: llama
    path: ${llama}
    aliases: ["claude-*"]
  - id: stories
    path: ${STORIES_260K}
    aliases: [fast]
    ctx_size: 512
    sampling: { temperature: 0 }
    ttl: 1
`);
  });
  afterAll(() => server.close());

  test("GET /v1/models lists every model unloaded, with aliases and context, before any request", async () => {
    const models = await listed(server);
    expect(Object.keys(models)).toEqual(["qwen", "llama", "stories"]);
    expect(Object.values(models).map((m) => m.status)).toEqual(["unloaded", "unloaded", "unloaded"]);
    expect(models.qwen!.aliases).toEqual(expect.arrayContaining(["pro", "gpt-*", "default"]));
    expect(models.stories!.aliases).toEqual(expect.arrayContaining(["fast", "gpt-mini"]));
    expect(models.stories!.context_length).toBe(256);
    expect(models.qwen!.memory!.ram_bytes).toBeGreaterThan(0);
  });

  test("concurrent first requests to an unloaded model all succeed with one load; model echoes the name sent", async () => {
    const answers = await Promise.all([ask(server, "pro"), ask(server, "default"), ask(server, "qwen")]);
    expect(answers.map((a) => a.model)).toEqual(["pro", "default", "qwen"]);
    for (const answer of answers) expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
    expect(loads("qwen")).toBe(1);
    expect(server.logs).toContain("loading model qwen: 100%");
    const qwen = (await listed(server)).qwen!;
    expect(qwen.status).toBe("loaded");
    expect(qwen.capabilities).toMatchObject({ tools: true, vision: false });
  });

  test("a vendor's model names land on the models their patterns name; exact aliases win over patterns", async () => {
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    const message = await anthropic.messages.create({ model: "claude-opus-5-5", max_tokens: 8, messages: [{ role: "user", content: "Hi" }] });
    expect(message.model).toBe("claude-opus-5-5");
    expect(loads("llama")).toBe(1);
    expect((await ask(server, "gpt-5.5")).model).toBe("gpt-5.5");
    expect(loads("qwen")).toBe(1);
    // gpt-mini matches "gpt-*" too, but its exact alias names stories.
    expect((await server.openai.models.retrieve("gpt-mini")).id).toBe("stories");
  });

  test("a third model evicts the least recently used idle one (max_loaded_models 2)", async () => {
    await ask(server, "claude-haiku"); // llama is now more recent than qwen
    expect(await statuses(server)).toEqual({ qwen: "loaded", llama: "loaded", stories: "unloaded" });
    await ask(server, "fast");
    expect(await statuses(server)).toMatchObject({ qwen: "unloaded", llama: "loaded", stories: "loaded" });
    expect(server.logs.some((line) => line === "model qwen unloaded (evicted to make room for stories)")).toBe(true);
  });

  test("a model idle for its ttl unloads itself", async () => {
    await ask(server, "fast");
    await untilStatus(server, "stories", "unloaded", 10_000);
    // The status turns at once; the line is logged once the runner has exited.
    const end = Date.now() + 10_000;
    while (!server.logs.includes("model stories unloaded (idle for 1 s)") && Date.now() < end) await Bun.sleep(20);
    expect(server.logs).toContain("model stories unloaded (idle for 1 s)");
  });

  test("per-model sampling defaults apply where the request says nothing", async () => {
    // stories' config sets temperature 0: unseeded requests then agree, and equal an explicit greedy one.
    const [a, b] = [await ask(server, "fast"), await ask(server, "fast")];
    const greedy = await server.openai.chat.completions.create({
      model: "fast",
      messages: [{ role: "user", content: "Once upon a time" }],
      max_tokens: 8,
      temperature: 0,
    });
    expect(a.choices[0]!.message.content).toBe(b.choices[0]!.message.content!);
    expect(a.choices[0]!.message.content).toBe(greedy.choices[0]!.message.content!);
    const hot = await Promise.all(
      [1, 2, 3].map((seed) =>
        server.openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8, temperature: 2, seed } as never),
      ),
    );
    expect(new Set(hot.map((r) => (r as OpenAI.ChatCompletion).choices[0]!.message.content)).size).toBeGreaterThan(1);
  });

  test("admin unload and load change the status; an unknown name is a 404 listing the ids", async () => {
    const unloaded = await fetch(`${server.url}/v1/models/llama/unload`, { method: "POST" });
    expect(((await unloaded.json()) as Listed).status).toBe("unloaded");
    expect((await statuses(server)).llama).toBe("unloaded");
    const loaded = await fetch(`${server.url}/v1/models/claude-x/load`, { method: "POST" });
    expect(((await loaded.json()) as Listed)).toMatchObject({ id: "llama", status: "loaded" });
    const missing = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "nope", messages: [{ role: "user", content: "x" }] }),
    });
    expect(missing.status).toBe(404);
    const error = ((await missing.json()) as { error: { message: string; code: string } }).error;
    expect(error.code).toBe("model_not_found");
    expect(error.message).toContain("'qwen', 'llama', 'stories'");
  });
});

describe("a model with a source instead of a path", () => {
  test("downloads on first use with progress in the log, then loads from the cache with the hub gone", async () => {
    const hub = await FakeHub.start();
    const cacheDir = mkdtempSync(join(tmpdir(), "bunllama-models-cache-"));
    hub.addRepo("org/stories-GGUF", [{ path: "stories260K-Q8_0.gguf", bytes: new Uint8Array(readFileSync(STORIES_260K)) }]);
    const config = `models:\n  - id: stories\n    source: org/stories-GGUF:Q8_0\n`;
    const download = sourceDownloader({ cacheDir, hubEndpoint: hub.url });
    let server = await serve(config, { download });
    try {
      expect((await statuses(server)).stories).toBe("unloaded");
      const answer = await ask(server, "stories");
      expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
      expect(server.logs).toContain("model stories: fetching org/stories-GGUF:Q8_0");
      expect(server.logs.some((line) => /^pull stories260K-Q8_0\.gguf: .*\(100%\)/.test(line))).toBe(true);
      expect(hub.seen("/org/stories-GGUF/resolve/")).toHaveLength(1);
    } finally {
      await server.close();
      await hub.close();
    }
    // The hub is gone: the cached file (and the recorded resolution of the quant) serve the model.
    server = await serve(config, { download });
    try {
      expect((await ask(server, "stories")).usage!.completion_tokens).toBeGreaterThan(0);
    } finally {
      await server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});

describe("models that cannot load", () => {
  test("a model above the memory budget is a 507 naming what it needs; nothing is killed", async () => {
    const server = await serve(`models:\n  - id: stories\n    path: ${STORIES_260K}\n`, { memoryBudgetBytes: 1024 });
    try {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "stories", messages: [{ role: "user", content: "x" }] }),
      });
      expect(response.status).toBe(507);
      const error = ((await response.json()) as { error: { message: string; code: string } }).error;
      expect(error.code).toBe("model_too_large");
      expect(error.message).toMatch(/needs about \d+ MiB .* at most 0 MiB/);
      expect((await statuses(server)).stories).toBe("failed");
    } finally {
      await server.close();
    }
  });

  test("a config error stops the server at start with one line naming the file, the entry and the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bunllama-badconfig-"));
    try {
      writeFileSync(join(dir, "bad.yaml"), `models:\n  - id: a\n    path: ${STORIES_260K}\n  - id: b\n    path: ${STORIES_260K}\n    ctx_size: big\n`);
      const child = Bun.spawn([process.execPath, resolve(import.meta.dir, "../../server.ts"), "--config", join(dir, "bad.yaml"), "--port", "0"], {
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await child.exited).toBe(2);
      const stderr = (await new Response(child.stderr).text()).trim();
      expect(stderr.split("\n")).toHaveLength(1);
      expect(stderr).toContain("bad.yaml");
      expect(stderr).toContain('models[1] (id "b")');
      expect(stderr).toContain("ctx_size");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
