// The models config file (YAML, TOML or JSON, snake_case keys): which models the server offers,
// under which names, with which settings. Whatever an entry leaves out takes the flags' values.
import { basename, dirname, extname, resolve } from "node:path";
import type { ModelDefaults, ModelSpec, ModelsConfig } from "../engine/modelSpec.ts";
import * as field from "./configFields.ts";
import { ConfigError, isRecord, shown, Where } from "./configFields.ts";
import { parseSampling } from "./configSampling.ts";
import { parseConfigGroups } from "../groups/config.ts";
import type { ServerFlags } from "./flags.ts";

export { ConfigError };

const TOP_LEVEL = ["default", "aliases", "models", "max_loaded_models", "auth", "groups"] as const;

export const MODEL_FIELDS = [
  "id",
  "path",
  "source",
  "aliases",
  "mmproj",
  "chat_template_file",
  "ctx_size",
  "parallel",
  "threads",
  "threads_batch",
  "batch_size",
  "gpu_layers",
  "flash_attn",
  "kv_unified",
  "cache_ram",
  "cache_dir",
  "sampling",
  "ttl",
  "price",
] as const;

export async function loadModelsConfig(file: string, defaults: ModelDefaults): Promise<ModelsConfig> {
  const label = basename(file);
  const raw = await parseFile(file, label);
  const folder = dirname(resolve(file));
  const top: Where = new Where(label, undefined, folder);
  if (!isRecord(raw)) top.fail("the file", `must hold a mapping with a models list, got ${shown(raw)}`);
  field.checkKnown(top, raw, TOP_LEVEL);
  if (!Array.isArray(raw.models) || raw.models.length === 0) top.fail("models", `must be a non-empty list of models, got ${shown(raw.models)}`);

  const models = raw.models.map((entry, index) => parseModel(label, folder, index, entry, defaults));
  const names = new NameTable(label);
  models.forEach((model, index) => names.add(model.id, `the id of models[${index}]`, top, `models[${index}] (id "${model.id}"): id`));
  models.forEach((model, index) => {
    for (const alias of model.aliases) {
      names.add(alias, `an alias of model "${model.id}"`, top, `models[${index}] (id "${model.id}"): aliases`);
    }
  });
  const ids = models.map((model) => model.id);
  const aliases = parseAliases(top, raw.aliases, ids, names);

  let defaultModel = models[0]!.id;
  if (raw.default !== undefined && raw.default !== null) {
    const wanted = field.name(top, "default", raw.default);
    const target = ids.includes(wanted) ? wanted : aliases.find((a) => a.name === wanted)?.target ?? models.find((m) => m.aliases.includes(wanted))?.id;
    if (!target) top.fail("default", `names no model: ${shown(wanted)} (ids: ${ids.join(", ")})`);
    defaultModel = target;
  }
  const max = raw.max_loaded_models;
  const maxLoadedModels = max === undefined || max === null ? undefined : field.int(top, "max_loaded_models", max, 1);
  const auth = raw.auth === undefined || raw.auth === null ? undefined : field.bool(top, "auth", raw.auth);
  // Groups (groups/config.ts); their models are checked once the engine exists.
  const groups = parseConfigGroups(label, folder, raw.groups);
  return { models, aliases, defaultModel, source: resolve(file), maxLoadedModels, ...(auth !== undefined ? { auth } : {}), ...(groups.length ? { groups } : {}) };
}

/** `--model` alone: a one-model config with the flags' settings. */
export function singleModelConfig(path: string, alias: string | undefined, defaults: ModelDefaults, mmproj?: string): ModelsConfig {
  const id = alias ?? basename(path).replace(/\.gguf$/i, "");
  const model: ModelSpec = { ...settingsOf(defaults), id, aliases: [], path, sampling: {}, chatTemplateFile: defaults.chatTemplateFile, ...(mmproj ? { mmproj } : {}) };
  return { models: [model], aliases: [], defaultModel: id, source: path };
}

/** The flags' values as every model's defaults. */
export function modelDefaultsFromFlags(flags: ServerFlags): ModelDefaults {
  return {
    contextSize: flags.ctxSize,
    parallel: flags.parallel,
    threads: flags.threads,
    threadsBatch: flags.threadsBatch,
    gpuLayers: flags.gpuLayers,
    batchSize: flags.batchSize,
    flashAttention: flags.flashAttn,
    kvUnified: flags.kvUnified,
    cacheRamMiB: flags.cacheRamMiB,
    cacheDir: flags.cacheDir,
    chatTemplateFile: flags.chatTemplateFile,
  };
}

/**
 * Settings a model gets when it says nothing; threadsBatch 0 means "as threads". Not the chat
 * template: one file can't suit every family, so --chat-template-file serves --model alone.
 */
export function settingsOf(defaults: ModelDefaults, threads = defaults.threads): Omit<ModelSpec, "id" | "aliases" | "sampling"> {
  return {
    contextSize: defaults.contextSize,
    parallel: defaults.parallel,
    threads,
    threadsBatch: defaults.threadsBatch > 0 ? defaults.threadsBatch : threads,
    gpuLayers: defaults.gpuLayers,
    batchSize: defaults.batchSize,
    flashAttention: defaults.flashAttention,
    kvUnified: defaults.kvUnified,
    cacheRamMiB: defaults.cacheRamMiB,
    cacheDir: defaults.cacheDir,
    ttlSeconds: defaults.ttlSeconds,
  };
}

async function parseFile(file: string, label: string): Promise<unknown> {
  const handle = Bun.file(file);
  if (!(await handle.exists())) throw new ConfigError(`${label}: config file not found: ${resolve(file)}`);
  const text = await handle.text();
  const extension = extname(file).toLowerCase();
  try {
    if (extension === ".yaml" || extension === ".yml") return Bun.YAML.parse(text);
    if (extension === ".toml") return Bun.TOML.parse(text);
    if (extension === ".json") return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${label}: cannot parse: ${message.replace(/\s*\n\s*/g, " ")}`);
  }
  throw new ConfigError(`${label}: unknown config format "${extension}" (use .yaml, .yml, .toml or .json)`);
}

function parseModel(label: string, folder: string, index: number, entry: unknown, defaults: ModelDefaults): ModelSpec {
  const bare: Where = new Where(label, `models[${index}]`, folder);
  if (!isRecord(entry)) bare.fail("entry", `must be a mapping, got ${shown(entry)}`);
  const id = field.name(bare, "id", entry.id);
  const where: Where = new Where(label, `models[${index}] (id "${id}")`, folder);
  field.checkKnown(where, entry, MODEL_FIELDS);
  const given = (key: (typeof MODEL_FIELDS)[number]) => entry[key] !== undefined && entry[key] !== null;

  if (!given("path") && !given("source")) where.fail("path", "is missing: give path (a local GGUF file) or source (a URL or hub reference)");
  const threads = given("threads") ? field.int(where, "threads", entry.threads, 1) : defaults.threads;
  const spec: ModelSpec = { ...settingsOf(defaults, threads), id, aliases: [], sampling: {} };
  if (given("path")) spec.path = field.existingFile(where, "path", entry.path);
  if (given("source")) spec.source = field.source(where, "source", entry.source);
  if (given("aliases")) spec.aliases = aliasList(where, entry.aliases);
  if (given("mmproj")) spec.mmproj = field.existingFile(where, "mmproj", entry.mmproj);
  if (given("chat_template_file")) spec.chatTemplateFile = field.existingFile(where, "chat_template_file", entry.chat_template_file);
  if (given("ctx_size")) spec.contextSize = field.int(where, "ctx_size", entry.ctx_size, 0, " (0 = the model's)");
  if (given("parallel")) spec.parallel = field.int(where, "parallel", entry.parallel, 1);
  if (given("threads_batch")) spec.threadsBatch = field.int(where, "threads_batch", entry.threads_batch, 1);
  if (given("batch_size")) spec.batchSize = field.int(where, "batch_size", entry.batch_size, 1);
  if (given("gpu_layers")) spec.gpuLayers = field.gpuLayers(where, "gpu_layers", entry.gpu_layers);
  if (given("flash_attn")) spec.flashAttention = field.flash(where, "flash_attn", entry.flash_attn);
  if (given("kv_unified")) spec.kvUnified = field.bool(where, "kv_unified", entry.kv_unified);
  if (given("cache_ram")) spec.cacheRamMiB = field.int(where, "cache_ram", entry.cache_ram, 0, " MiB (0 = off)");
  if (given("cache_dir")) spec.cacheDir = field.expandPath(folder, field.string(where, "cache_dir", entry.cache_dir));
  if (given("sampling")) spec.sampling = parseSampling(where, entry.sampling);
  if (given("ttl")) spec.ttlSeconds = field.ttl(where, "ttl", entry.ttl);
  if (given("price")) spec.price = price(where, entry.price);
  return spec;
}

function aliasList(where: Where, value: unknown): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) where.fail("aliases", `must be a list of names or patterns, got ${shown(value)}`);
  return list.map((alias, i) => field.name(where, `aliases[${i}]`, alias));
}

function price(where: Where, value: unknown): { prompt: number; completion: number } {
  if (!isRecord(value)) where.fail("price", `must be a mapping { prompt, completion } of credits per 1K tokens, got ${shown(value)}`);
  field.checkKnown(where, value, ["prompt", "completion"], "price.");
  const part = (key: "prompt" | "completion") => (value[key] === undefined ? 0 : field.number(where, `price.${key}`, value[key], 0));
  return { prompt: part("prompt"), completion: part("completion") };
}

function parseAliases(top: Where, value: unknown, ids: string[], names: NameTable): { name: string; target: string }[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) top.fail("aliases", `must be a mapping of name or pattern to model id, got ${shown(value)}`);
  return Object.entries(value).map(([name, target]) => {
    const label = `aliases.${shown(name)}`;
    field.name(top, label, name);
    if (typeof target !== "string" || !ids.includes(target)) {
      top.fail(label, `must name a model id, got ${shown(target)} (ids: ${ids.join(", ")})`);
    }
    names.add(name, `a top-level alias`, top, "aliases");
    return { name, target };
  });
}

/** Every exact name (id or alias) once: a name meaning two models is refused. */
class NameTable {
  private readonly owners = new Map<string, string>();
  constructor(readonly label: string) {}

  add(name: string, owner: string, where: Where, field: string): void {
    const previous = this.owners.get(name);
    if (previous) where.fail(field, `${shown(name)} is already ${previous}`);
    this.owners.set(name, owner);
  }
}
