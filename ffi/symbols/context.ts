import { FFIType } from "bun:ffi";

export const contextSymbols = {
  // llama_context * shim_context_new(llama_model *, uint32_t n_ctx, uint32_t n_batch, uint32_t n_ubatch,
  //     uint32_t n_seq_max, int32_t n_threads, int32_t n_threads_batch, int32_t flash_attn, bool kv_unified);
  shim_context_new: {
    args: [
      FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.u32, FFIType.u32,
      FFIType.i32, FFIType.i32, FFIType.i32, FFIType.bool,
    ],
    returns: FFIType.ptr,
  },
  // void llama_set_flash_attn(llama_context * ctx, bool flash_attn);  (llama.cpp/patches)
  llama_set_flash_attn: { args: [FFIType.ptr, FFIType.bool], returns: FFIType.void },
  // void shim_context_free(llama_context * ctx);  (the context, then its thread pools)
  shim_context_free: { args: [FFIType.ptr], returns: FFIType.void },
  // void shim_context_idle(const llama_context * ctx);  (its pool threads sleep until the next graph)
  shim_context_idle: { args: [FFIType.ptr], returns: FFIType.void },
  // uint32_t llama_n_ctx(const llama_context * ctx);
  llama_n_ctx: { args: [FFIType.ptr], returns: FFIType.u32 },
  // uint32_t llama_n_ctx_seq(const llama_context * ctx);
  llama_n_ctx_seq: { args: [FFIType.ptr], returns: FFIType.u32 },
  // llama_memory_t llama_get_memory(const llama_context * ctx);
  llama_get_memory: { args: [FFIType.ptr], returns: FFIType.ptr },
  // bool llama_memory_seq_rm(llama_memory_t mem, llama_seq_id seq_id, llama_pos p0, llama_pos p1);
  llama_memory_seq_rm: {
    args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32],
    returns: FFIType.bool,
  },
} as const;
