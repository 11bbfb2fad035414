// The environment of a model's child processes (runner, tokenizer).
//
// BUN_GC_TIMER_DISABLE: Bun's GC timer runs a young-generation collection every second whether
// or not anything was allocated (JSC's GC log: "EdenCollection, a=0kb", 1.4-2.7 ms each). In the
// runner that pause stalls decoding, and in either child it takes a core from the decode threads.
// Allocation still triggers collections as usual; these processes hold little JavaScript memory.
export function childEnv(socketPath: string, verbose: boolean, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    BUNLLAMA_CHANNEL: socketPath,
    BUN_GC_TIMER_DISABLE: "1",
    ...(verbose ? {} : { GGML_NO_BACKTRACE: "1" }),
    ...extra,
  };
}
