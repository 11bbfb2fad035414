// Entry point: flags, subcommands (serve, runner) and the route table.
import { IDLE_TIMEOUT_SECONDS } from "./api/http/sse.ts";
import { Elysia } from "elysia";
import { basename } from "node:path";
import { docsPlugin } from "./api/docs/plugin.ts";
import { openAIErrorResponse } from "./api/openai/errors.ts";
import { openaiRoutes } from "./api/openai/routes.ts";
import { anthropicErrorResponse } from "./api/anthropic/errors.ts";
import { anthropicRoutes } from "./api/anthropic/routes.ts";
import { ApiError } from "./api/http/errors.ts";
import { bareRoutesAsV1 } from "./api/http/bareRoutes.ts";
import { cors } from "./api/http/cors.ts";
import { responsesRoutes } from "./api/responses/routes.ts";
import { defaultDataDir, openStore, SqliteResponseStore, type ResponseStore } from "./store/index.ts";
import { FlagError, helpText, parseFlags, type ServerFlags } from "./cli/flags.ts";
import { LocalEngine, type ModelConfig } from "./engine/localEngine.ts";
import { runRunner } from "./engine/runner.ts";
import type { Engine } from "./core/index.ts";

export const VERSION = "0.1.0";

export interface AppOptions {
  maxBodyBytes?: number;
  /** Stored responses (POST /v1/responses with store); default: in memory, lost on exit. */
  store?: ResponseStore;
  /** Origins browsers may call from (--cors); ["*"] for any; default none. */
  corsOrigins?: string[];
}

/** An error outside every protocol plugin (an unknown route) answers in the shape of the path's protocol. */
function appErrorResponse(path: string, error: unknown, code: string | number): Response {
  const err = code === "NOT_FOUND" ? new ApiError("not_found", "not_found", "no such route") : error;
  return /^(\/v1)?\/messages(\/|$)/.test(path) ? anthropicErrorResponse(err, code) : openAIErrorResponse(err, code);
}

/** The route table. Protocol plugins shape their own errors; the rest answer in their path's shape. */
export function createApp(engine: Engine, options: AppOptions = {}) {
  const app = new Elysia();
  return app
    .onRequest(bareRoutesAsV1(app))
    .use(cors({ origins: options.corsOrigins ?? [] }))
    .use(docsPlugin(VERSION))
    .onError(({ code, error, path }) => appErrorResponse(path, error, code))
    .get(
      "/health",
      ({ set }) => {
        const loading = engine.listModels().some((m) => !m.ready);
        if (loading) set.status = 503;
        return { status: loading ? "loading" : "ok" };
      },
      { detail: { tags: ["Server"], summary: "Liveness and readiness: 200 once every model is loaded" } },
    )
    .use(openaiRoutes(engine, { maxBodyBytes: options.maxBodyBytes }))
    .use(responsesRoutes(engine, options.store ?? new SqliteResponseStore(":memory:"), { maxBodyBytes: options.maxBodyBytes }))
    .use(anthropicRoutes(engine, { maxBodyBytes: options.maxBodyBytes }));
}

function modelConfig(flags: ServerFlags, chatTemplate: string | undefined): ModelConfig {
  const model = flags.model!;
  return {
    id: flags.alias ?? basename(model).replace(/\.gguf$/i, ""),
    aliases: [],
    chatTemplate,
    runner: {
      modelPath: model,
      contextSize: flags.ctxSize,
      parallel: flags.parallel,
      batchSize: flags.batchSize,
      threads: flags.threads,
      threadsBatch: flags.threadsBatch > 0 ? flags.threadsBatch : flags.threads,
      gpuLayers: flags.gpuLayers,
      flashAttention: flags.flashAttn,
      kvUnified: flags.kvUnified,
      cacheRamMiB: flags.cacheRamMiB,
      cacheDir: flags.cacheDir,
      verbose: flags.verbose,
    },
  };
}

async function serve(argv: string[]): Promise<void> {
  let flags: ServerFlags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    if (!(error instanceof FlagError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  if (flags.help) {
    console.log(helpText());
    return;
  }
  if (!flags.model) {
    console.error("error: no model given: pass --model /path/to/model.gguf (or set LLAMA_ARG_MODEL); see --help");
    process.exit(2);
  }
  if (!(await Bun.file(flags.model).exists())) {
    console.error(`error: model file not found: ${flags.model}`);
    process.exit(2);
  }
  const chatTemplate = flags.chatTemplateFile ? await Bun.file(flags.chatTemplateFile).text() : undefined;
  const log = (line: string) => console.error(line);
  const engine = new LocalEngine([modelConfig(flags, chatTemplate)], { queueSize: flags.queueSize, log });
  try {
    await engine.start();
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    engine.stop();
    process.exit(1);
  }
  const store = openStore(flags.dataDir ?? defaultDataDir());
  const app = createApp(engine, { maxBodyBytes: flags.maxBodyBytes, store, corsOrigins: flags.cors });
  app.listen({ hostname: flags.host, port: flags.port, maxRequestBodySize: flags.maxBodyBytes + 1024, idleTimeout: IDLE_TIMEOUT_SECONDS });
  const shutdown = () => {
    engine.stop();
    store.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  console.error(`listening on http://${flags.host}:${app.server!.port} (model ${engine.listModels()[0]!.id})`);
}

/** Subcommands: `runner` (started by the server itself), `serve` (the default). */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "runner") await runRunner();
  else await serve(command === "serve" ? rest : argv);
}

if (import.meta.main) await main(process.argv.slice(2));
