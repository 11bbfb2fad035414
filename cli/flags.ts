// Command-line flags in llama-server's spelling, each with the environment variable
// llama-server reads for it (LLAMA_ARG_*), so existing scripts carry over.
import { availableParallelism } from "node:os";

export interface ServerFlags {
  model?: string;
  /** Multimodal projector for --model. */
  mmproj?: string;
  /** Media URLs may point at private, loopback and link-local addresses. */
  allowPrivateUrls: boolean;
  /** Only data: URIs and inline base64 media; no http(s) fetches. */
  noRemoteMedia: boolean;
  /** Models config file (YAML, TOML or JSON). */
  config?: string;
  /** Every *.gguf in this folder becomes a model. */
  modelsDir?: string;
  /** Most models loaded at once; 0 = no limit. */
  maxLoadedModels: number;
  /** MiB of host memory the loaded models may use together; 0 = 90% of this machine's memory. */
  modelsMemoryMiB: number;
  /** Seconds a model may take to load. */
  loadTimeout: number;
  /** Seconds idle before a model without its own ttl is unloaded; 0 = never. */
  modelTtl: number;
  /** Where downloaded models go. */
  modelsCache?: string;
  /** Seconds requests in flight may take to finish after SIGTERM/SIGINT. */
  shutdownTimeout: number;
  alias?: string;
  host: string;
  port: number;
  parallel: number;
  ctxSize: number;
  batchSize: number;
  threads: number;
  threadsBatch: number;
  gpuLayers: number;
  flashAttn: number;
  kvUnified: boolean;
  cacheRamMiB: number;
  cacheDir?: string;
  queueSize: number;
  chatTemplateFile?: string;
  maxBodyBytes: number;
  /** Where stored responses live; undefined = $XDG_DATA_HOME/bunllama or ~/.local/share/bunllama. */
  dataDir?: string;
  /** Origins allowed to call from a browser; empty = CORS off. */
  cors: string[];
  /** Require API tokens (see `token create`); also the config file's top-level `auth: true`. */
  auth: boolean;
  verbose: boolean;
  help: boolean;
}

type Kind = "string" | "int" | "bool" | "flash" | "list";

interface FlagSpec {
  names: string[];
  key: keyof ServerFlags;
  kind: Kind;
  env?: string;
  help: string;
}

const defaultThreads = Math.max(1, availableParallelism());

export const FLAG_SPECS: FlagSpec[] = [
  { names: ["-m", "--model"], key: "model", kind: "string", env: "LLAMA_ARG_MODEL", help: "path of the GGUF model to serve" },
  { names: ["-mm", "--mmproj"], key: "mmproj", kind: "string", env: "LLAMA_ARG_MMPROJ", help: "multimodal projector (mmproj GGUF) for --model: image and/or audio input" },
  { names: ["--allow-private-urls"], key: "allowPrivateUrls", kind: "bool", env: "BUNLLAMA_ALLOW_PRIVATE_URLS", help: "media URLs may point at private, loopback and link-local addresses (default: refused)" },
  { names: ["--no-remote-media"], key: "noRemoteMedia", kind: "bool", env: "BUNLLAMA_NO_REMOTE_MEDIA", help: "never fetch media URLs: only data: URIs and inline base64 (default: fetched)" },
  { names: ["--config"], key: "config", kind: "string", env: "BUNLLAMA_CONFIG", help: "models config file (YAML, TOML or JSON): several models, aliases, per-model settings" },
  { names: ["--models-dir"], key: "modelsDir", kind: "string", env: "LLAMA_ARG_MODELS_DIR", help: "serve every *.gguf in this folder (mmproj-*.gguf paired with its model)" },
  { names: ["--max-loaded-models", "--models-max"], key: "maxLoadedModels", kind: "int", env: "LLAMA_ARG_MODELS_MAX", help: "most models loaded at once; the least recently used idle one is unloaded; 0 = no limit (default: 4)" },
  { names: ["--models-memory"], key: "modelsMemoryMiB", kind: "int", env: "BUNLLAMA_MODELS_MEMORY", help: "MiB of memory the loaded models may use together, by their estimates; 0 = 90% of this machine's (default: 0)" },
  { names: ["--load-timeout"], key: "loadTimeout", kind: "int", env: "BUNLLAMA_LOAD_TIMEOUT", help: "seconds a model may take to load (default: 600)" },
  { names: ["--model-ttl"], key: "modelTtl", kind: "int", env: "BUNLLAMA_MODEL_TTL", help: "seconds idle before a model is unloaded, unless its config sets ttl; 0 = never (default: 0)" },
  { names: ["--shutdown-timeout"], key: "shutdownTimeout", kind: "int", env: "BUNLLAMA_SHUTDOWN_TIMEOUT", help: "seconds requests in flight may take to finish after SIGTERM, before they are ended with an error (default: 10)" },
  { names: ["--models-cache"], key: "modelsCache", kind: "string", env: "BUNLLAMA_MODELS_DIR", help: "folder of downloaded models (default: ~/.cache/bunllama/models)" },
  { names: ["-a", "--alias"], key: "alias", kind: "string", env: "LLAMA_ARG_ALIAS", help: "model name clients use (default: file name without .gguf)" },
  { names: ["--host"], key: "host", kind: "string", env: "LLAMA_ARG_HOST", help: "address to listen on (default: 127.0.0.1)" },
  { names: ["--port"], key: "port", kind: "int", env: "LLAMA_ARG_PORT", help: "port to listen on (default: 8080)" },
  { names: ["-np", "--parallel"], key: "parallel", kind: "int", env: "LLAMA_ARG_N_PARALLEL", help: "sequences decoded together (default: 4)" },
  { names: ["-c", "--ctx-size"], key: "ctxSize", kind: "int", env: "LLAMA_ARG_CTX_SIZE", help: "total context in tokens, shared by the sequences; 0 = the model's (default: 4096)" },
  { names: ["-b", "--batch-size"], key: "batchSize", kind: "int", env: "LLAMA_ARG_BATCH", help: "tokens decoded per step, prompt chunks included (default: 512)" },
  { names: ["-t", "--threads"], key: "threads", kind: "int", env: "LLAMA_ARG_THREADS", help: `threads for generation (default: ${defaultThreads})` },
  { names: ["-tb", "--threads-batch"], key: "threadsBatch", kind: "int", env: "LLAMA_ARG_THREADS_BATCH", help: "threads for prompt processing (default: same as --threads)" },
  { names: ["-ngl", "--n-gpu-layers"], key: "gpuLayers", kind: "int", env: "LLAMA_ARG_N_GPU_LAYERS", help: "layers to offload to the GPU (default: all, when a GPU backend is built)" },
  { names: ["-fa", "--flash-attn"], key: "flashAttn", kind: "flash", env: "LLAMA_ARG_FLASH_ATTN", help: "flash attention: on, off or auto (default: auto = llama.cpp's choice, and on the CPU off for a short new turn after a long cached context)" },
  { names: ["-kvu", "--kv-unified"], key: "kvUnified", kind: "bool", env: "LLAMA_ARG_KV_UNIFIED", help: "one KV buffer shared by all sequences: a long request may use more than ctx-size/parallel (default: off)" },
  { names: ["-cram", "--cache-ram"], key: "cacheRamMiB", kind: "int", env: "LLAMA_ARG_CACHE_RAM", help: "MiB of host memory for prompt-cache entries saved out of the sequences; 0 = off (default: 4096)" },
  { names: ["--cache-dir"], key: "cacheDir", kind: "string", env: "BUNLLAMA_CACHE_DIR", help: "folder where prompt-cache entries are also written, to survive a restart (default: none)" },
  { names: ["--queue-size"], key: "queueSize", kind: "int", env: "LLAMA_ARG_QUEUE_SIZE", help: "requests waiting beyond --parallel before answering 503 (default: 64)" },
  { names: ["--chat-template-file"], key: "chatTemplateFile", kind: "string", env: "LLAMA_ARG_CHAT_TEMPLATE_FILE", help: "Jinja chat template to use instead of the model's" },
  { names: ["--max-body-bytes"], key: "maxBodyBytes", kind: "int", env: "LLAMA_ARG_MAX_BODY_BYTES", help: "largest request body accepted (default: 10485760)" },
  { names: ["--data-dir"], key: "dataDir", kind: "string", env: "BUNLLAMA_DATA_DIR", help: "folder of the stored responses and accounts (tokens, usage) databases (default: ~/.local/share/bunllama)" },
  { names: ["--cors"], key: "cors", kind: "list", env: "BUNLLAMA_CORS", help: "origins browsers may call from, comma-separated, or * for any (default: none)" },
  { names: ["--auth"], key: "auth", kind: "bool", env: "BUNLLAMA_AUTH", help: "require an API token on every route but /health and /openapi (tokens: `token create`; default: off)" },
  { names: ["-v", "--verbose"], key: "verbose", kind: "bool", env: "LLAMA_ARG_VERBOSE", help: "show llama.cpp's own log" },
  { names: ["-h", "--help"], key: "help", kind: "bool", help: "show this help" },
];

export const DEFAULT_FLAGS: ServerFlags = {
  allowPrivateUrls: false,
  noRemoteMedia: false,
  maxLoadedModels: 4,
  modelsMemoryMiB: 0,
  loadTimeout: 600,
  modelTtl: 0,
  shutdownTimeout: 10,
  host: "127.0.0.1",
  port: 8080,
  parallel: 4,
  ctxSize: 4096,
  batchSize: 512,
  threads: defaultThreads,
  threadsBatch: 0,
  gpuLayers: -1,
  flashAttn: -1,
  kvUnified: false,
  cacheRamMiB: 4096,
  queueSize: 64,
  maxBodyBytes: 10 * 1024 * 1024,
  cors: [],
  auth: false,
  verbose: false,
  help: false,
};

export class FlagError extends Error {}

function convert(spec: FlagSpec, raw: string, source: string): string | number | boolean | string[] {
  switch (spec.kind) {
    case "string":
      return raw;
    case "list":
      return raw.split(",").map((item) => item.trim()).filter(Boolean);
    case "int": {
      const value = Number(raw);
      if (!Number.isInteger(value)) throw new FlagError(`${source} expects an integer, got '${raw}'`);
      return value;
    }
    case "bool":
      if (["1", "true", "on", "yes", ""].includes(raw.toLowerCase())) return true;
      if (["0", "false", "off", "no"].includes(raw.toLowerCase())) return false;
      throw new FlagError(`${source} expects true or false, got '${raw}'`);
    case "flash": {
      const value = { on: 1, off: 0, auto: -1, "1": 1, "0": 0, "-1": -1, true: 1, false: 0 }[raw.toLowerCase()];
      if (value === undefined) throw new FlagError(`${source} expects on, off or auto, got '${raw}'`);
      return value;
    }
  }
}

/** Flags win over environment variables, which win over defaults. */
export function parseFlags(argv: string[], env: Record<string, string | undefined> = process.env): ServerFlags {
  const flags: Record<string, unknown> = { ...DEFAULT_FLAGS };
  for (const spec of FLAG_SPECS) {
    const raw = spec.env ? env[spec.env] : undefined;
    if (raw !== undefined) flags[spec.key] = convert(spec, raw, spec.env!);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const spec = FLAG_SPECS.find((s) => s.names.includes(name));
    if (!spec) throw new FlagError(`unknown flag '${arg}' (see --help)`);
    if (spec.kind === "bool" && inline === undefined) {
      flags[spec.key] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new FlagError(`${name} needs a value`);
    flags[spec.key] = convert(spec, raw, name);
  }
  const parsed = flags as unknown as ServerFlags;
  if (parsed.parallel < 1) throw new FlagError("--parallel must be at least 1");
  if (parsed.batchSize < 1) throw new FlagError("--batch-size must be at least 1");
  if (parsed.cacheRamMiB < 0) throw new FlagError("--cache-ram must be 0 (off) or more MiB");
  if (parsed.threads < 1) throw new FlagError("--threads must be at least 1");
  if (parsed.port < 0 || parsed.port > 65535) throw new FlagError("--port must be between 0 and 65535");
  return parsed;
}

export function helpText(): string {
  const lines = FLAG_SPECS.map((s) => {
    const names = s.names.join(", ") + (s.kind === "bool" ? "" : " VALUE");
    return `  ${names.padEnd(30)} ${s.help}${s.env ? ` [env ${s.env}]` : ""}`;
  });
  return ["usage: bun run server.ts --model PATH.gguf [flags]", "", ...lines].join("\n");
}
