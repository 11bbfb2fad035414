// What "auto" flash attention means here. llama.cpp's auto turns it on wherever the device has
// the kernel, the CPU included; measured on the bench model (2 cores, AVX2), the CPU kernel made
// a 25-token turn after a cached 1,700-token conversation take 465 ms instead of 287, and decoding
// at that length 20% slower, while a whole 1,700-token prompt was 5-10% faster with it. Chat
// turns and agents reuse long prefixes, so on the CPU auto means off; with layers on a GPU,
// llama.cpp decides.

export const FLASH_ATTENTION = { auto: -1, off: 0, on: 1 } as const;

/** `requested`: -1 auto, 0 off, 1 on; `gpuOffload`: some layers run on a GPU. */
export function effectiveFlashAttention(requested: number, gpuOffload: boolean): number {
  if (requested !== FLASH_ATTENTION.auto) return requested;
  return gpuOffload ? FLASH_ATTENTION.auto : FLASH_ATTENTION.off;
}
