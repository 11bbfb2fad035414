// Memory a model will take once loaded, from its GGUF header alone: enough for the registry to
// decide what to evict before loading, not an exact account of llama.cpp's allocations.
import { archValue, GgufError, type GgufMetadata, type GgufValue, readGgufMetadata, SkippedArray } from "./metadata.ts";
import { splitParts } from "./split.ts";
import { plainPathTokens } from "../flashAttention.ts";

export interface EstimateOptions {
  /** Total context in tokens; 0 = the model's training context. */
  contextSize: number;
  parallel: number;
  kvUnified: boolean;
  /** Layers offloaded; negative = all. */
  gpuLayers: number;
  hasGpu: boolean;
  mmproj?: string;
  /** Tokens per decode step (default 512); the micro-batch is at most 512, as in the runner. */
  batchSize?: number;
  /** 1 on, 0 off, -1 auto (default; on the CPU, off for short suffixes: engine/flashAttention.ts). */
  flashAttention?: number;
}

export interface MemoryEstimate {
  /** Tensor data of every part. */
  weightsBytes: number;
  /** K and V caches, f16. */
  kvBytes: number;
  /** Compute graph and output (logits) buffers. */
  computeBytes: number;
  /** The projector file, counted whole. */
  mmprojBytes: number;
  ramBytes: number;
  vramBytes: number;
  /** The context the KV size was computed for. */
  contextSize: number;
  layers: number;
}

const F16 = 2;
const F32 = 4;

export async function estimateModelMemory(path: string, opts: EstimateOptions): Promise<MemoryEstimate> {
  const meta = await readGgufMetadata(path);
  const weightsBytes = await tensorDataBytes(path, meta);
  const shape = modelShape(path, meta);

  const contextSize = opts.contextSize > 0 ? opts.contextSize : shape.contextTrain;
  // Sliding-window layers may keep fewer cells; every layer is counted at full context (conservative).
  const kvBytes = contextSize * shape.headsKv.reduce((sum, heads) => sum + heads * (shape.keyLength + shape.valueLength), 0) * F16;

  // Compute buffer: per micro-batch token, a few rows of n_embd and n_ff in f32, and the
  // attention scores of the micro-batches on the plain path (without flash attention; auto on
  // the CPU takes it for short suffixes only, so it is a smaller graph, and the buffer is the
  // larger of the two); the logits twice (graph result and output buffer).
  // Against llama-server's log (compute + output buffers): Qwen2.5-0.5B shape, 4096 cells,
  // 4 sequences, flash attention auto: 38.8 MiB measured, 40.1 here; 8192 cells, 1 sequence,
  // flash attention off: 249.8 measured, 260.7 here; a 2-layer n_embd-64 Qwen: 4.2 and 3.6.
  const ubatch = Math.min(opts.batchSize ?? 512, 512);
  const attentionCells = opts.kvUnified ? contextSize : Math.ceil(contextSize / Math.max(1, opts.parallel));
  const activationsPerToken = (4 * shape.embedding + 3 * shape.feedForward) * F32;
  const plainTokens = plainPathTokens(opts.flashAttention ?? -1, opts.hasGpu && opts.gpuLayers !== 0, ubatch, Math.max(1, opts.parallel));
  const graph = Math.max(ubatch * activationsPerToken, plainTokens * (activationsPerToken + attentionCells * shape.heads * F32));
  const logits = Math.max(1, opts.parallel) * shape.vocab * F32;
  const computeBytes = graph + 2 * logits;

  const mmprojBytes = opts.mmproj ? await fileSize(opts.mmproj) : 0;

  const offloaded = !opts.hasGpu ? 0 : opts.gpuLayers < 0 ? shape.layers : Math.min(opts.gpuLayers, shape.layers);
  const fraction = shape.layers > 0 ? offloaded / shape.layers : 0;
  const onGpu = fraction > 0;
  const layered = weightsBytes + kvBytes;
  // The output buffer (one copy of the logits) lives on the host whatever runs the graph.
  const vramBytes = Math.round(layered * fraction) + (onGpu ? computeBytes - logits + mmprojBytes : 0);
  const ramBytes = layered - Math.round(layered * fraction) + (onGpu ? logits : computeBytes + mmprojBytes);
  return { weightsBytes, kvBytes, computeBytes, mmprojBytes, ramBytes, vramBytes, contextSize, layers: shape.layers };
}

/** File sizes minus headers, summed over the parts of a split model. */
async function tensorDataBytes(path: string, first: GgufMetadata): Promise<number> {
  let total = first.fileSize - first.dataOffset;
  for (const part of splitParts(path).slice(1)) {
    const meta = await readGgufMetadata(part, { maxArrayLength: 0 });
    total += meta.fileSize - meta.dataOffset;
  }
  return total;
}

async function fileSize(path: string): Promise<number> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new GgufError(`${path}: file not found`);
  return file.size;
}

export interface ModelShape {
  layers: number;
  embedding: number;
  heads: number;
  /** Per layer: a GGUF may give one count for all layers or an array (0 for recurrent layers). */
  headsKv: number[];
  keyLength: number;
  valueLength: number;
  feedForward: number;
  vocab: number;
  contextTrain: number;
}

export function modelShape(path: string, meta: GgufMetadata): ModelShape {
  const kv = meta.kv;
  const need = (name: string): number => {
    const value = largest(archValue(kv, name));
    if (value === undefined) throw new GgufError(`${path}: no ${String(kv.get("general.architecture"))}.${name} in the GGUF header`);
    return value;
  };
  const layers = need("block_count");
  const embedding = need("embedding_length");
  const heads = need("attention.head_count");
  const headsKvValue = archValue(kv, "attention.head_count_kv");
  const headsKv = Array.isArray(headsKvValue)
    ? headsKvValue.map((v) => (typeof v === "number" ? v : heads))
    : Array(layers).fill(typeof headsKvValue === "number" ? headsKvValue : heads);
  const headDim = heads > 0 ? Math.floor(embedding / heads) : 0;
  const tokens = kv.get("tokenizer.ggml.tokens");
  const vocab =
    largest(archValue(kv, "vocab_size")) ??
    (tokens instanceof SkippedArray ? tokens.length : Array.isArray(tokens) ? tokens.length : 0);
  return {
    layers,
    embedding,
    heads,
    headsKv,
    keyLength: largest(archValue(kv, "attention.key_length")) ?? headDim,
    valueLength: largest(archValue(kv, "attention.value_length")) ?? headDim,
    feedForward: largest(archValue(kv, "feed_forward_length")) ?? 4 * embedding,
    vocab,
    contextTrain: largest(archValue(kv, "context_length")) ?? 4096,
  };
}

/** A number, or the largest of a per-layer array. */
function largest(value: GgufValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (Array.isArray(value)) {
    const numbers = value.filter((v): v is number => typeof v === "number");
    return numbers.length ? Math.max(...numbers) : undefined;
  }
  return undefined;
}
