// The models a server knows and their states: unloaded → loading → loaded → unloaded (idle for
// its ttl, evicted for another, or unloaded by an admin); failed keeps the load error. A request
// leases a model, which loads it on demand and keeps it from being evicted until released.
import { ChatTemplate } from "../chat/template.ts";
import { templateTraits, type TemplateTraits } from "../chat/templateTraits.ts";
import type { EngineErrorInfo, ModelCapabilities, ModelInfo, ModelStatus } from "../core/index.ts";
import { ModelNames } from "./aliases.ts";
import type { ModelSpec, ModelsConfig } from "./modelSpec.ts";
import type { RunnerOptions } from "./protocol.ts";
import { RunnerClient } from "./runnerClient.ts";
import { warmRequestPath } from "./warmRequestPath.ts";

export interface MemoryEstimate {
  ramBytes: number;
  vramBytes: number;
}

export interface RegistryOptions {
  queueSize: number;
  log: (line: string) => void;
  verbose: boolean;
  /** Most models loaded at once; 0 = no limit. */
  maxLoadedModels: number;
  /** Host memory the loaded models may use together, by their estimates; 0 = no limit. */
  memoryBudgetBytes: number;
  /** A load that takes longer fails (and its runner is stopped). */
  loadTimeoutMs: number;
  /** Memory a model needs while loaded; without it only maxLoadedModels bounds loading. */
  estimate?: (spec: ModelSpec, path: string) => Promise<MemoryEstimate>;
  /** Fetches a spec's `source` when it has no local path; resolves to the file to load. */
  download?: (spec: ModelSpec, log: (line: string) => void) => Promise<string>;
}

/** One model's load and traffic at this moment (the /metrics gauges). */
export interface ModelStats {
  id: string;
  loaded: boolean;
  /** Requests waiting: for a free sequence, or for the model's load. */
  queued: number;
  /** Sequences decoding (a request with n choices holds n). */
  running: number;
  /** Runner restarts after crashes since the server started (kept across unloads). */
  restarts: number;
}

/** What a request holds while it runs on a model. */
export interface LoadedModel {
  spec: ModelSpec;
  client: RunnerClient;
  template: ChatTemplate;
  traits: TemplateTraits;
  /** What its projector takes (both false without one), as the runner loaded it. */
  media: { vision: boolean; audio: boolean };
}

export interface Lease {
  model: LoadedModel;
  release(): void;
}

class Entry {
  status: ModelStatus = "unloaded";
  error?: string;
  loaded?: LoadedModel;
  loading?: Promise<LoadedModel>;
  capabilities?: ModelCapabilities;
  memory?: MemoryEstimate;
  contextPerSequence?: number;
  /** Leases held, plus requests waiting for the load. */
  active = 0;
  lastUsed = 0;
  idleTimer?: Timer;
  idleWaiters: (() => void)[] = [];
  /** Restarts of runners this model had before its current one. */
  pastRestarts = 0;
  readonly created = Math.floor(Date.now() / 1000);

  constructor(public spec: ModelSpec) {}
}

class RegistryError extends Error {
  constructor(readonly info: EngineErrorInfo) {
    super(info.message);
  }
}

const MIB = 1024 * 1024;

export class ModelRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #names: ModelNames;
  readonly #options: RegistryOptions;
  // Loads (and the evictions that make room for them) run one at a time, so two loads never
  // count the same free memory.
  #loadChain: Promise<unknown> = Promise.resolve();

  constructor(config: ModelsConfig, options: RegistryOptions) {
    this.#options = options;
    this.#names = new ModelNames(config);
    for (const spec of config.models) this.#entries.set(spec.id, new Entry(spec));
  }

  /** Estimates every model's memory from its file's header, so /v1/models shows it before a load. */
  async estimateAll(): Promise<void> {
    const estimate = this.#options.estimate;
    if (!estimate) return;
    await Promise.all(
      [...this.#entries.values()].map(async (entry) => {
        if (entry.spec.path) entry.memory = await estimate(entry.spec, entry.spec.path).catch(() => undefined);
      }),
    );
  }

  resolve(name: string): string | undefined {
    const id = this.#names.resolve(name);
    return id !== undefined && this.#entries.has(id) ? id : undefined;
  }

  list(): ModelInfo[] {
    return [...this.#entries.values()].map((entry) => this.#info(entry));
  }

  /** Requests running or queued across every loaded model. */
  pendingRequests(): number {
    let pending = 0;
    for (const entry of this.#entries.values()) pending += entry.loaded?.client.inFlight ?? 0;
    return pending;
  }

  stats(): ModelStats[] {
    return [...this.#entries.values()].map((entry) => {
      const client = entry.loaded?.client;
      const { running, queued } = client?.sequences() ?? { running: 0, queued: 0 };
      return {
        id: entry.spec.id,
        loaded: entry.status === "loaded",
        // While a model loads, every request holding it is waiting for the load.
        queued: entry.status === "loading" ? entry.active : queued,
        running,
        restarts: entry.pastRestarts + (client?.restarts ?? 0),
      };
    });
  }

  /** The model a request names, loaded (waiting for its load when needed) and held until release(). */
  async acquire(name: string): Promise<Lease | { error: EngineErrorInfo }> {
    const id = this.resolve(name);
    if (id === undefined) return { error: this.#notFound(name) };
    const entry = this.#entries.get(id)!;
    entry.active++;
    clearTimeout(entry.idleTimer);
    try {
      const model = await this.#ensureLoaded(entry);
      let released = false;
      return {
        model,
        release: () => {
          if (released) return;
          released = true;
          this.#release(entry);
        },
      };
    } catch (error) {
      this.#release(entry);
      return { error: errorInfo(error) };
    }
  }

  async load(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    const lease = await this.acquire(id);
    if ("error" in lease) return lease;
    lease.release();
    return this.#info(this.#entries.get(lease.model.spec.id)!);
  }

  /** Unloads once the model's running requests have ended. The wait happens outside the load
   *  chain, so a request queued behind it for another model is never deadlocked. */
  async unload(id: string): Promise<ModelInfo | { error: EngineErrorInfo }> {
    const entry = this.#entries.get(id);
    if (!entry) return { error: this.#notFound(id) };
    for (;;) {
      while (entry.active > 0) await new Promise<void>((resolve) => entry.idleWaiters.push(resolve));
      const done = await this.#serialized(async () => {
        if (entry.active > 0) return false;
        await this.#unload(entry, "unloaded on request");
        return true;
      });
      if (done) return this.#info(entry);
    }
  }

  /** The process id of a loaded model's runner (diagnostics and tests). */
  runnerPid(id: string): number | undefined {
    return this.#entries.get(id)?.loaded?.client.pid;
  }

  /** Ends every request in flight on every model with this error. */
  failAll(error: EngineErrorInfo): void {
    for (const entry of this.#entries.values()) entry.loaded?.client.failAll(error);
  }

  /** Stops every runner; resolves once they have exited. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((entry) => this.#unload(entry)));
  }

  #info(entry: Entry): ModelInfo {
    const info = entry.loaded?.client.info;
    return {
      id: entry.spec.id,
      created: entry.created,
      ownedBy: "local",
      status: entry.status,
      aliases: this.#names.aliasesOf(entry.spec.id),
      capabilities: entry.capabilities,
      contextLength: info?.contextPerSequence ?? entry.contextPerSequence ?? configuredContext(entry.spec),
      memory: entry.memory,
      loadError: entry.status === "failed" ? entry.error : undefined,
      price: entry.spec.price,
    };
  }

  #notFound(name: string): EngineErrorInfo {
    return {
      kind: "not_found",
      code: "model_not_found",
      param: "model",
      // A client's value is echoed only in part (a 1 MB name must not come back whole).
      message: `model '${name.length > 64 ? `${name.slice(0, 64)}…` : name}' does not exist; available: ${[...this.#entries.keys()].join(", ")}`,
    };
  }

  #release(entry: Entry): void {
    entry.active--;
    entry.lastUsed = performance.now();
    if (entry.active > 0) return;
    for (const resolve of entry.idleWaiters.splice(0)) resolve();
    const ttl = entry.spec.ttlSeconds;
    if (ttl !== undefined && ttl > 0 && entry.status === "loaded") {
      entry.idleTimer = setTimeout(() => {
        if (entry.active > 0 || entry.status !== "loaded") return;
        void this.#serialized(async () => {
          if (entry.active === 0 && entry.status === "loaded") await this.#unload(entry, `idle for ${ttl} s`);
        });
      }, ttl * 1000);
      entry.idleTimer.unref();
    }
  }

  #ensureLoaded(entry: Entry): Promise<LoadedModel> {
    if (entry.status === "loaded" && entry.loaded) return Promise.resolve(entry.loaded);
    entry.loading ??= this.#serialized(() => this.#load(entry)).finally(() => {
      entry.loading = undefined;
    });
    return entry.loading;
  }

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#loadChain.then(work);
    this.#loadChain = result.catch(() => undefined);
    return result;
  }

  async #load(entry: Entry): Promise<LoadedModel> {
    if (entry.status === "loaded" && entry.loaded) return entry.loaded;
    const { spec } = entry;
    const log = this.#options.log;
    entry.status = "loading";
    entry.error = undefined;
    let client: RunnerClient | undefined;
    try {
      const path = spec.path ?? (await this.#download(entry));
      // The header was read at start-up (estimateAll) or on an earlier load: the file has not changed.
      if (this.#options.estimate) entry.memory ??= await this.#options.estimate(spec, path);
      await this.#makeRoom(entry);
      const started = performance.now();
      log(`loading model ${spec.id} (${path})`);
      client = new RunnerClient({
        name: spec.id,
        runner: runnerOptions(spec, path, this.#options.verbose),
        queueSize: this.#options.queueSize,
        log,
        onLoadProgress: (percent) => log(`loading model ${spec.id}: ${percent}%`),
      });
      const info = await withTimeout(client.start(), this.#options.loadTimeoutMs, () => ({
        kind: "unavailable",
        code: "model_load_timeout",
        message: `model ${spec.id} did not load within ${Math.round(this.#options.loadTimeoutMs / 1000)} s`,
      }));
      const chatTemplate = spec.chatTemplateFile ? await Bun.file(spec.chatTemplateFile).text() : info.chatTemplate;
      const template = new ChatTemplate({ template: chatTemplate, bosToken: info.bosText, eosToken: info.eosText, addBos: info.addBos });
      const traits = templateTraits(template);
      const media = { vision: info.vision, audio: info.audio };
      entry.capabilities = capabilities(template, traits, media);
      entry.contextPerSequence = info.contextPerSequence;
      entry.loaded = { spec, client, template, traits, media };
      // Start-up work, never a reason to fail the load: a request would meet the same error.
      await warmRequestPath(entry.loaded).catch(() => {});
      entry.status = "loaded";
      entry.lastUsed = performance.now();
      log(`model ${spec.id} loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return entry.loaded;
    } catch (error) {
      await client?.stop();
      entry.status = "failed";
      entry.error = (error as Error).message;
      log(`model ${spec.id} failed to load: ${entry.error}`);
      throw error;
    }
  }

  async #download(entry: Entry): Promise<string> {
    const { spec } = entry;
    if (!spec.source || !this.#options.download) {
      throw new RegistryError({ kind: "internal", code: "model_file_missing", message: `model ${spec.id} has no file to load` });
    }
    const path = await this.#options.download(spec, this.#options.log);
    entry.spec = { ...spec, path };
    return path;
  }

  /** Unloads least recently used idle models until this one fits the count and memory limits. */
  async #makeRoom(entry: Entry): Promise<void> {
    const { maxLoadedModels, memoryBudgetBytes } = this.#options;
    const need = entry.memory?.ramBytes ?? 0;
    if (memoryBudgetBytes > 0 && need > memoryBudgetBytes) {
      throw new RegistryError({
        kind: "insufficient_memory",
        code: "model_too_large",
        message: `model ${entry.spec.id} needs about ${Math.ceil(need / MIB)} MiB (weights, KV cache at its context size, compute buffers) but the models may use at most ${Math.floor(memoryBudgetBytes / MIB)} MiB (--models-memory)`,
      });
    }
    for (;;) {
      const others = [...this.#entries.values()].filter((e) => e !== entry && e.status === "loaded");
      const used = others.reduce((sum, e) => sum + (e.memory?.ramBytes ?? 0), 0);
      const countFull = maxLoadedModels > 0 && others.length >= maxLoadedModels;
      const memoryFull = memoryBudgetBytes > 0 && used + need > memoryBudgetBytes;
      if (!countFull && !memoryFull) return;
      const idle = others.filter((e) => e.active === 0).sort((a, b) => a.lastUsed - b.lastUsed);
      const victim = idle[0];
      if (!victim) {
        throw new RegistryError({
          kind: "overloaded",
          code: "models_busy",
          message: `cannot load model ${entry.spec.id}: ${others.length} loaded models are all serving requests (${countFull ? `--max-loaded-models ${maxLoadedModels}` : "memory budget"}); retry later`,
        });
      }
      await this.#unload(victim, `evicted to make room for ${entry.spec.id}`);
    }
  }

  async #unload(entry: Entry, why?: string): Promise<void> {
    clearTimeout(entry.idleTimer);
    const loaded = entry.loaded;
    entry.loaded = undefined;
    if (entry.status === "loaded") entry.status = "unloaded";
    if (!loaded) return;
    entry.pastRestarts += loaded.client.restarts;
    await loaded.client.stop();
    if (why) this.#options.log(`model ${entry.spec.id} unloaded (${why})`);
  }
}

function errorInfo(error: unknown): EngineErrorInfo {
  if (error instanceof RegistryError) return error.info;
  return { kind: "unavailable", code: "model_load_failed", message: (error as Error).message };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => EngineErrorInfo): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RegistryError(onTimeout())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function runnerOptions(spec: ModelSpec, path: string, verbose: boolean): RunnerOptions {
  return {
    modelPath: path,
    contextSize: spec.contextSize,
    parallel: spec.parallel,
    batchSize: spec.batchSize,
    threads: spec.threads,
    threadsBatch: spec.threadsBatch > 0 ? spec.threadsBatch : spec.threads,
    gpuLayers: spec.gpuLayers,
    flashAttention: spec.flashAttention,
    kvUnified: spec.kvUnified,
    cacheRamMiB: spec.cacheRamMiB,
    cacheDir: spec.cacheDir,
    mmproj: spec.mmproj,
    verbose,
  };
}

/** Before a load, the configured context split over the sequences (0 = the model's: unknown yet). */
function configuredContext(spec: ModelSpec): number | undefined {
  if (spec.contextSize <= 0) return undefined;
  return spec.kvUnified ? spec.contextSize : Math.floor(spec.contextSize / spec.parallel);
}

function capabilities(template: ChatTemplate, traits: TemplateTraits, media: { vision: boolean; audio: boolean }): ModelCapabilities {
  // Every template gets tools (the generic JSON envelope serves those without a format).
  return {
    tools: true,
    reasoning: traits.thinks || traits.family === "gpt-oss" || traits.family === "deepseek" || /enable_thinking|reasoning_effort/.test(template.source),
    // The projector decides which media (its encoders, as loaded).
    vision: media.vision,
    audio: media.audio,
  };
}
