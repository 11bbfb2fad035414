// llama.cpp's log lines, captured in C (see shim.c) and drained into the server's logging.
import { lib } from "./library.ts";

const GGML_LOG_LEVEL = { debug: 1, info: 2, warn: 3, error: 4 } as const;
const buffer = new Uint8Array(1 << 16);
const decoder = new TextDecoder();

/** Starts capturing; verbose keeps info lines, otherwise warnings and errors only. */
export function captureNativeLog(verbose: boolean): void {
  lib().shim_log_capture(verbose ? GGML_LOG_LEVEL.info : GGML_LOG_LEVEL.warn);
}

/** Everything llama.cpp logged since the last call. */
export function drainNativeLog(): string {
  let text = "";
  for (;;) {
    const n = lib().shim_log_read(buffer, buffer.length);
    if (n <= 0) return text;
    text += decoder.decode(buffer.subarray(0, n));
  }
}
