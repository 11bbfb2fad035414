// What "auto" flash attention means here. llama.cpp's auto turns it on for the whole context
// wherever the device has the kernel, the CPU included, and the context keeps V in the kernel's
// layout. On the CPU we keep that, and turn it off per batch (llama.cpp/patches/0001) for the
// one shape where the plain path can win: a short new turn after a long cached conversation.
// Measured on the bench model (`bun bench/flash-attn-shapes.ts`): on an AVX-512 EPYC the kernel
// was as fast or faster everywhere else (16 sequences decoding 0.70 of the time without it,
// fresh prompts 0.81-0.93) and 25 tokens after 1,700 cached were 1.03 of the plain path's time
// (V copied out of the kernel's layout); on an AVX2 EPYC (llama-bench, native layouts) that
// suffix took twice as long with the kernel. With layers on a GPU, llama.cpp decides alone.

export const FLASH_ATTENTION = { auto: -1, off: 0, on: 1 } as const;

/** Whether the engine chooses flash attention batch by batch (auto on the CPU). */
export function flashAttentionPerBatch(requested: number, gpuOffload: boolean): boolean {
  return requested === FLASH_ATTENTION.auto && !gpuOffload;
}

/** A prompt chunk this short gains from the plain path when it attends over a long context. */
const SHORT_CHUNK_TOKENS = 64;
/** ... at least this many cached tokens per new one: after 1,700 cached, 64 new tokens were faster with the kernel. */
const CACHED_TOKENS_PER_CHUNK_TOKEN = 16;

/**
 * The most tokens a micro-batch on the plain path holds (it materialises the attention scores):
 * every micro-batch when off, none when on, and with the per-batch rule a short suffix beside
 * one decoding token per other sequence.
 */
export function plainPathTokens(requested: number, gpuOffload: boolean, microBatch: number, sequences: number): number {
  if (requested === FLASH_ATTENTION.off) return microBatch;
  if (!flashAttentionPerBatch(requested, gpuOffload)) return 0;
  return Math.min(microBatch, SHORT_CHUNK_TOKENS - 1 + sequences);
}

/**
 * The per-batch rule. `promptTokens`: prompt tokens in the batch (decoding sequences' single
 * tokens not counted); `deepestStart`: the most tokens any of those prompts already has cached.
 * Decode-only batches (no prompt tokens) keep the kernel.
 */
export function batchWantsFlashAttention(promptTokens: number, deepestStart: number): boolean {
  const shortSuffix = promptTokens > 0 && promptTokens < SHORT_CHUNK_TOKENS && promptTokens * CACHED_TOKENS_PER_CHUNK_TOKEN < deepestStart;
  return !shortSuffix;
}
