// Entry point: flags, subcommands (serve, runner) and the route table.
import { IDLE_TIMEOUT_SECONDS } from "./api/http/sse.ts";
import { Elysia, type AnyElysia } from "elysia";
import { docsPlugin } from "./api/docs/plugin.ts";
import { openAIErrorResponse } from "./api/openai/errors.ts";
import { modelRoutes } from "./api/openai/models.ts";
import { openaiRoutes } from "./api/openai/routes.ts";
import { anthropicErrorResponse } from "./api/anthropic/errors.ts";
import { anthropicRoutes } from "./api/anthropic/routes.ts";
import { ApiError } from "./api/http/errors.ts";
import { bareRoutesAsV1 } from "./api/http/bareRoutes.ts";
import { cors } from "./api/http/cors.ts";
import { responsesRoutes } from "./api/responses/routes.ts";
import { authPlugin, type AuthOptions } from "./api/auth.ts";
import { adminTokenRoutes } from "./api/admin/tokens.ts";
import { ensureAdminToken, runToken } from "./cli/token.ts";
import { openAccounts } from "./store/accounts.ts";
import { createAccounting } from "./accounting/index.ts";
import { createMetrics } from "./metrics/index.ts";
import { createGroups } from "./groups/index.ts";
import { requestIdPlugin } from "./api/http/requestId.ts";
import { requestContext } from "./api/http/requestContext.ts";
import { defaultDataDir, openStore, SqliteResponseStore, type ResponseStore } from "./store/index.ts";
import { FlagError, helpText, parseFlags, type ServerFlags } from "./cli/flags.ts";
import { totalmem } from "node:os";
import { ConfigError, loadModelsConfig, modelDefaultsFromFlags, singleModelConfig } from "./cli/config.ts";
import { scanModelsDir } from "./cli/modelsDir.ts";
import { sourceDownloader } from "./download/forRegistry.ts";
import { estimateModelMemory } from "./engine/gguf/memoryEstimate.ts";
import { LocalEngine } from "./engine/localEngine.ts";
import type { ModelsConfig } from "./engine/modelSpec.ts";
import { ModelRegistry } from "./engine/registry.ts";
import { runRunner } from "./engine/runner.ts";
import { gracefulShutdown } from "./cli/shutdown.ts";
import type { Engine } from "./core/index.ts";

export const VERSION = "0.1.0";

export interface AppOptions {
  maxBodyBytes?: number;
  /** Stored responses (POST /v1/responses with store); default: in memory, lost on exit. */
  store?: ResponseStore;
  /** Origins browsers may call from (--cors); ["*"] for any; default none. */
  corsOrigins?: string[];
  /** Auth on: every route but /health and /openapi needs a token (tokens and quotas from here). */
  auth?: AuthOptions;
  /** GET /metrics and the request counters (createMetrics().plugin): ahead of every route it counts. */
  metrics?: AnyElysia;
  /** More routes behind the same hooks (auth, request ids, metrics): GET /v1/usage, groups. */
  routes?: AnyElysia[];
}

/** An error outside every protocol plugin (an unknown route) answers in the shape of the path's protocol. */
function appErrorResponse(request: Request, path: string, error: unknown, code: string | number): Response {
  const err = code === "NOT_FOUND" ? new ApiError("not_found", "not_found", "no such route") : error;
  if (/^(\/v1)?\/messages(\/|$)/.test(path)) return anthropicErrorResponse(err, code, requestContext(request).requestId);
  return openAIErrorResponse(err, code);
}

/** The route table. Protocol plugins shape their own errors; the rest answer in their path's shape. */
export function createApp(engine: Engine, options: AppOptions = {}) {
  const app = new Elysia({ precompile: true });
  const routes = (options.routes ?? []).reduce((all, plugin) => all.use(plugin), new Elysia({ name: "extra-routes" }));
  return app
    .onRequest(bareRoutesAsV1(app))
    .use(options.metrics ?? new Elysia({ name: "metrics-off" }))
    // Ahead of cors, whose preflight answers early.
    .use(requestIdPlugin())
    .use(cors({ origins: options.corsOrigins ?? [] }))
    // Ahead of every route it guards; with auth off neither it nor the token admin routes exist.
    .use(options.auth ? authPlugin(engine, options.auth) : new Elysia({ name: "auth-off" }))
    .use(options.auth ? adminTokenRoutes(options.auth.tokens, { maxBodyBytes: options.maxBodyBytes }) : new Elysia({ name: "admin-off" }))
    .use(docsPlugin(VERSION))
    .onError(({ code, error, path, request }) => appErrorResponse(request, path, error, code))
    .get(
      "/health",
      ({ set }) => {
        // Ready once the default model has loaded; the others load on demand.
        const id = engine.resolveModel("default");
        const loading = engine.listModels().some((m) => m.id === id && m.status !== "loaded");
        if (loading) set.status = 503;
        return { status: loading ? "loading" : "ok" };
      },
      { detail: { tags: ["Server"], summary: "Liveness and readiness: 200 once the default model is loaded" } },
    )
    .use(modelRoutes(engine))
    .use(openaiRoutes(engine, { maxBodyBytes: options.maxBodyBytes }))
    .use(responsesRoutes(engine, options.store ?? new SqliteResponseStore(":memory:"), { maxBodyBytes: options.maxBodyBytes }))
    .use(anthropicRoutes(engine, { maxBodyBytes: options.maxBodyBytes }))
    .use(routes);
}

/** The models to serve: --config, --models-dir (together: both lists), or --model alone. */
async function modelsConfig(flags: ServerFlags): Promise<ModelsConfig> {
  const defaults = { ...modelDefaultsFromFlags(flags), ttlSeconds: flags.modelTtl > 0 ? flags.modelTtl : undefined };
  if (flags.model && (flags.config || flags.modelsDir)) throw new ConfigError("--model serves one model: put it in the --config file (or the --models-dir folder) instead");
  if (flags.mmproj && !flags.model) throw new ConfigError("--mmproj pairs with --model: in a --config file give the model its own mmproj");
  if (flags.model) {
    if (!(await Bun.file(flags.model).exists())) throw new ConfigError(`model file not found: ${flags.model}`);
    if (flags.mmproj && !(await Bun.file(flags.mmproj).exists())) throw new ConfigError(`projector file not found: ${flags.mmproj}`);
    return singleModelConfig(flags.model, flags.alias, defaults, flags.mmproj);
  }
  const config = flags.config ? await loadModelsConfig(flags.config, defaults) : undefined;
  const scanned = flags.modelsDir ? await scanModelsDir(flags.modelsDir, defaults) : [];
  const models = [...(config?.models ?? []), ...scanned.filter((m) => !config?.models.some((c) => c.id === m.id))];
  if (models.length === 0) {
    throw new ConfigError(
      flags.modelsDir && !config
        ? `no *.gguf models in ${flags.modelsDir}`
        : "no model given: pass --model /path/to/model.gguf, --config models.yaml or --models-dir DIR (see --help)",
    );
  }
  return { ...(config ?? { aliases: [], source: flags.modelsDir }), models, defaultModel: config?.defaultModel ?? models[0]!.id };
}

function createRegistry(flags: ServerFlags, config: ModelsConfig, log: (line: string) => void): ModelRegistry {
  const budgetMiB = flags.modelsMemoryMiB > 0 ? flags.modelsMemoryMiB : Math.floor((totalmem() * 0.9) / 2 ** 20);
  return new ModelRegistry(config, {
    queueSize: flags.queueSize,
    log,
    verbose: flags.verbose,
    maxLoadedModels: config.maxLoadedModels ?? flags.maxLoadedModels,
    memoryBudgetBytes: budgetMiB * 2 ** 20,
    loadTimeoutMs: flags.loadTimeout * 1000,
    estimate: (spec, path) =>
      // No GPU is counted yet (see README); "auto" is llama.cpp's, on where the CPU kernel exists
      // (the short suffixes that turn it off per batch need a small scores buffer).
      estimateModelMemory(path, { ...spec, hasGpu: false, flashAttention: spec.flashAttention, mmproj: spec.mmproj }).catch(
        () => ({ ramBytes: 0, vramBytes: 0 }),
      ),
    download: sourceDownloader({ cacheDir: flags.modelsCache }),
  });
}

async function serve(argv: string[]): Promise<void> {
  let flags: ServerFlags;
  let config: ModelsConfig;
  try {
    flags = parseFlags(argv);
    if (flags.help) {
      console.log(helpText());
      return;
    }
    config = await modelsConfig(flags);
  } catch (error) {
    if (!(error instanceof FlagError || error instanceof ConfigError)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  const log = (line: string) => console.error(line);
  const registry = createRegistry(flags, config, log);
  await registry.estimateAll();
  const engine = new LocalEngine(registry, { media: { remote: !flags.noRemoteMedia, allowPrivate: flags.allowPrivateUrls } });
  // The default model loads now (as llama-server's does); the others on their first request.
  try {
    await engine.preload(config.defaultModel);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    await engine.stop();
    process.exit(1);
  }
  const dataDir = flags.dataDir ?? defaultDataDir();
  const store = openStore(dataDir);
  // The usage ledger records every request, auth on or off; tokens matter only with auth.
  const accounts = openAccounts(dataDir);
  const authOn = Boolean(flags.auth || config.auth);
  if (authOn) ensureAdminToken(accounts.tokens, dataDir, log);
  else if (!isLoopback(flags.host))
    log(`warning: auth is off and the server listens on ${flags.host}: anyone who can reach it can use it (start with --auth; see token create)`);
  const auth = authOn ? { tokens: accounts.tokens, ledger: accounts.ledger } : undefined;
  const accounting = createAccounting(accounts.ledger, { auth: authOn });
  const metrics = createMetrics(() => engine.stats(), (name) => engine.resolveModel(name));
  const groups = createGroups({
    dataDir,
    configGroups: config.groups,
    log,
    maxBodyBytes: flags.maxBodyBytes,
  });
  // Each model call of a group execution is metered (one ledger row each); metrics observe what
  // the ledger and the groups pass on (receipts included); all of them see every protocol.
  let groupEngine: Engine;
  try {
    groupEngine = groups.engine(accounting.engine(engine));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`error: ${error.message}`);
    await engine.stop();
    process.exit(2);
  }
  const servedEngine = metrics.engine(groupEngine);
  const app = createApp(servedEngine, {
    maxBodyBytes: flags.maxBodyBytes,
    store,
    corsOrigins: flags.cors,
    auth,
    metrics: metrics.plugin,
    routes: [accounting.routes, groups.routes(servedEngine)],
  });
  app.listen({ hostname: flags.host, port: flags.port, maxRequestBodySize: Math.max(16 * flags.maxBodyBytes, 2 ** 28), idleTimeout: IDLE_TIMEOUT_SECONDS }); // Bun's limit (an empty 413) only backs up ours, which answers in the protocol's shape
  const shutdown = gracefulShutdown(flags.shutdownTimeout, log, {
    stopListening: () => app.server!.stop(false),
    pending: () => engine.pendingRequests(),
    openRequests: () => app.server!.pendingRequests,
    failAll: (error) => engine.failAll(error),
    close: async () => {
      await engine.stop();
      store.close();
      groups.close();
      accounts.db.close();
    },
  });
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  const names = config.models.map((m) => m.id).join(", ");
  console.error(`listening on http://${flags.host}:${app.server!.port} (models: ${names}; default ${config.defaultModel})`);
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Subcommands: `runner` (started by the server itself), `pull` (download a model), `token` (API tokens), `serve` (the default). */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "runner") await runRunner();
  else if (command === "pull") await (await import("./cli/pull.ts")).runPull(rest);
  else if (command === "token") await runToken(rest);
  else await serve(command === "serve" ? rest : argv);
}

if (import.meta.main) await main(process.argv.slice(2));
