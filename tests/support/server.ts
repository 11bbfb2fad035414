// Starts the real engine (runner processes, libllama) behind the real app, for end-to-end tests.
import { IDLE_TIMEOUT_SECONDS } from "../../api/http/sse.ts";
import { bareRoutesAsV1 } from "../../api/http/bareRoutes.ts";
import { Elysia, type AnyElysia } from "elysia";
import type { Engine } from "../../core/index.ts";
import OpenAI from "openai";
import { basename } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalEngine } from "../../engine/localEngine.ts";
import type { ModelSpec } from "../../engine/modelSpec.ts";
import type { RunnerOptions } from "../../engine/protocol.ts";
import { ModelRegistry } from "../../engine/registry.ts";
import { createApp, type AppOptions } from "../../server.ts";

export interface TestServer {
  engine: LocalEngine;
  app: AnyElysia;
  /** The base URL of a real listening socket (for disconnects and raw HTTP). */
  url: string;
  modelId: string;
  openai: OpenAI;
  logs: string[];
  post(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  close(): void;
}

/** A model entry with the test defaults (2 threads, 2 sequences, 2048 tokens, CPU only). */
export function testModelSpec(id: string, path: string, overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id,
    aliases: [],
    path,
    contextSize: 2048,
    parallel: 2,
    batchSize: 512,
    threads: 2,
    threadsBatch: 2,
    gpuLayers: 0,
    flashAttention: -1,
    kvUnified: false,
    cacheRamMiB: 256,
    sampling: {},
    ...overrides,
  };
}

export async function startTestServer(
  modelPath: string,
  runner: Partial<RunnerOptions> = {},
  extra: {
    queueSize?: number;
    chatTemplate?: string;
    maxBodyBytes?: number;
    /** The engine the routes use, wrapping the real one (a decorator under test). */
    wrapEngine?: (engine: LocalEngine) => Engine;
    /** Plugins ahead of the app's routes (see appWithPlugins). */
    plugins?: AnyElysia[];
    /** Model settings beyond the runner's (a price, say). */
    spec?: Partial<ModelSpec>;
  } = {},
): Promise<TestServer> {
  const modelId = basename(modelPath).replace(/\.gguf$/, "");
  let chatTemplateFile: string | undefined;
  if (extra.chatTemplate !== undefined) {
    chatTemplateFile = join(mkdtempSync(join(tmpdir(), "bunllama-template-")), "template.jinja");
    await Bun.write(chatTemplateFile, extra.chatTemplate);
  }
  const { modelPath: _, verbose: __, ...settings } = runner;
  const spec = testModelSpec(modelId, modelPath, { ...settings, chatTemplateFile, ...extra.spec });
  const logs: string[] = [];
  const registry = new ModelRegistry(
    { models: [spec], aliases: [], defaultModel: modelId },
    { queueSize: extra.queueSize ?? 16, log: (line) => logs.push(line), verbose: runner.verbose ?? false, maxLoadedModels: 0, memoryBudgetBytes: 0, loadTimeoutMs: 120_000 },
  );
  const engine = new LocalEngine(registry);
  await engine.preload(modelId);
  const app = appWithPlugins(extra.wrapEngine?.(engine) ?? engine, extra.plugins ?? [], { maxBodyBytes: extra.maxBodyBytes });
  app.listen({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: Math.max(16 * (extra.maxBodyBytes ?? 0), 2 ** 28), idleTimeout: IDLE_TIMEOUT_SECONDS }); // as serve() does
  const url = `http://127.0.0.1:${app.server!.port}`;
  return {
    engine,
    app,
    url,
    modelId,
    logs,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 }),
    post: (path, body, init) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
        ...init,
      }),
    close() {
      app.stop(true);
      void engine.stop();
    },
  };
}

/**
 * createApp behind plugins whose hooks must see its routes (Elysia applies a hook only to the
 * routes registered after it). The bare-URL rewrite runs first, as in createApp, so that a
 * rewritten request passes the plugins' hooks once, under its /v1 route.
 */
export function appWithPlugins(engine: Engine, plugins: AnyElysia[], options: AppOptions = {}): AnyElysia {
  if (plugins.length === 0) return createApp(engine, options);
  const root = new Elysia();
  root.onRequest(bareRoutesAsV1(root));
  for (const plugin of plugins) root.use(plugin);
  return root.use(createApp(engine, options));
}

/** Reads an SSE body into its data payloads (JSON parsed, "[DONE]" kept as a string). */
export async function readSse(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .map((frame) => frame.trim())
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice(6))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}
