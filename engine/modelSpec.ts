// What a servable model is, wherever it was declared (config file, --models-dir, --model):
// the registry loads, names and unloads models from these alone.
import type { SamplingParams } from "../core/index.ts";
import type { ConfigGroup } from "../groups/config.ts";

/** One servable model, from the config file, --models-dir, or --model. */
export interface ModelSpec {
  id: string;
  /** Other names: exact names or glob patterns (`claude-*`). */
  aliases: string[];
  /** Local GGUF file; undefined until `source` is downloaded. */
  path?: string;
  /** URL or hub reference downloaded on first use when `path` is missing. */
  source?: string;
  /** Multimodal projector (vision/audio). */
  mmproj?: string;
  chatTemplateFile?: string;
  contextSize: number;
  parallel: number;
  threads: number;
  threadsBatch: number;
  gpuLayers: number;
  batchSize: number;
  /** 1 on, 0 off, -1 auto (llama.cpp convention). */
  flashAttention: number;
  kvUnified: boolean;
  cacheRamMiB: number;
  cacheDir?: string;
  /** Per-model sampling defaults, used where the request says nothing. */
  sampling: Partial<SamplingParams>;
  /** Seconds idle before unloading; undefined = never. */
  ttlSeconds?: number;
  /** Credits per 1K prompt / completion tokens (usage ledger). */
  price?: { prompt: number; completion: number };
}

export interface ModelsConfig {
  models: ModelSpec[];
  /** Alias (exact or glob) → model id, from the config's top-level `aliases`. */
  aliases: { name: string; target: string }[];
  /** The id `default` resolves to (first model unless the config says). */
  defaultModel: string;
  /** Where the config came from, for messages. */
  source?: string;
  /** Most models loaded at once (top-level `max_loaded_models`); undefined = the flag's value. */
  maxLoadedModels?: number;
  /** Top-level `auth`: require API tokens, as --auth does. */
  auth?: boolean;
  /** Top-level `groups` (groups/config.ts). */
  groups?: ConfigGroup[];
}

/** The server flags' values: what a model entry gets for each setting it does not give. */
export interface ModelDefaults {
  contextSize: number;
  parallel: number;
  threads: number;
  threadsBatch: number;
  gpuLayers: number;
  batchSize: number;
  flashAttention: number;
  kvUnified: boolean;
  cacheRamMiB: number;
  cacheDir?: string;
  /** --chat-template-file: used by --model alone (one template cannot suit every model of a config). */
  chatTemplateFile?: string;
  ttlSeconds?: number;
}
