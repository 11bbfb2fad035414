// What "auto" flash attention means here. llama.cpp's auto turns it on for the whole context
// wherever the device has the kernel, the CPU included. On the CPU the kernel is faster for
// large prompt chunks (512 fresh tokens 0.84 of the time without it, 512 after 2,048 cached
// 0.64, four fresh 57-token prompts 0.95) and slower for decoding and for a short suffix after a
// long context (25 tokens after 1,700: 1.29; `bun bench/flash-attn-shapes.ts`). So on the CPU
// auto creates the context without it (V stays in the layout the plain path reads) and turns it
// on per batch (llama.cpp/patches/0001) for the batches that carry enough prompt; with layers on
// a GPU, llama.cpp decides for the context.

export const FLASH_ATTENTION = { auto: -1, off: 0, on: 1 } as const;

/** `requested`: -1 auto, 0 off, 1 on; `gpuOffload`: some layers run on a GPU. The context's setting. */
export function effectiveFlashAttention(requested: number, gpuOffload: boolean): number {
  if (requested !== FLASH_ATTENTION.auto) return requested;
  return gpuOffload ? FLASH_ATTENTION.auto : FLASH_ATTENTION.off;
}

/** Whether the engine chooses flash attention batch by batch (auto on the CPU). */
export function flashAttentionPerBatch(requested: number, gpuOffload: boolean): boolean {
  return requested === FLASH_ATTENTION.auto && !gpuOffload;
}

/** Below this many prompt tokens in a batch the kernel gains nothing (57 fresh tokens: 0.98). */
const MIN_PROMPT_TOKENS = 64;
/**
 * A chunk after a long context needs about one token per this many cached ones to gain: after
 * 1,700 cached tokens, 64 new ones were 1.11 of the time without it, 128 new ones 0.85.
 */
const CACHED_TOKENS_PER_PROMPT_TOKEN = 16;

/**
 * The per-batch rule. `promptTokens`: prompt tokens in the batch (decoding sequences' single
 * tokens not counted); `deepestStart`: the most tokens any of those prompts already has cached.
 */
export function batchWantsFlashAttention(promptTokens: number, deepestStart: number): boolean {
  return promptTokens >= MIN_PROMPT_TOKENS && promptTokens * CACHED_TOKENS_PER_PROMPT_TOKEN >= deepestStart;
}
