import { FFIType } from "bun:ffi";

export const batchSymbols = {
  // llama_batch * shim_batch_new(int32_t capacity);
  shim_batch_new: { args: [FFIType.i32], returns: FFIType.ptr },
  // void shim_batch_free(llama_batch * batch);
  shim_batch_free: { args: [FFIType.ptr], returns: FFIType.void },
  // int32_t shim_decode(llama_context *, llama_batch *, int32_t n_tokens, const int32_t * tokens,
  //     const int32_t * positions, const int32_t * seq_ids, const int8_t * want_logits);
  shim_decode: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
    returns: FFIType.i32,
  },
} as const;
