import { FFIType } from "bun:ffi";

// Sequence-level KV state: what the prompt cache reads, trims, copies and restores.
export const stateSymbols = {
  // size_t llama_state_seq_get_size(llama_context * ctx, llama_seq_id seq_id);
  llama_state_seq_get_size: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.u64_fast },
  // size_t llama_state_seq_get_data(llama_context * ctx, uint8_t * dst, size_t size, llama_seq_id seq_id);
  llama_state_seq_get_data: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.u64_fast },
  // size_t llama_state_seq_set_data(llama_context * ctx, const uint8_t * src, size_t size, llama_seq_id dest_seq_id);
  llama_state_seq_set_data: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.u64_fast },
  // void llama_memory_seq_cp(llama_memory_t mem, llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1);
  llama_memory_seq_cp: { args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.void },
  // llama_pos llama_memory_seq_pos_min(llama_memory_t mem, llama_seq_id seq_id);
  llama_memory_seq_pos_min: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  // llama_pos llama_memory_seq_pos_max(llama_memory_t mem, llama_seq_id seq_id);
  llama_memory_seq_pos_max: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  // bool llama_supports_gpu_offload(void);
  llama_supports_gpu_offload: { args: [], returns: FFIType.bool },
  // const char * llama_print_system_info(void);
  llama_print_system_info: { args: [], returns: FFIType.cstring },
} as const;
