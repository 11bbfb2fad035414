import { FFIType } from "bun:ffi";

export const logSymbols = {
  // void shim_log_capture(int32_t min_level);
  shim_log_capture: { args: [FFIType.i32], returns: FFIType.void },
  // int32_t shim_log_read(char * out, int32_t cap);
  shim_log_read: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
} as const;
