import { FFIType } from "bun:ffi";

export const modelSymbols = {
  // void llama_backend_init(void);
  llama_backend_init: { args: [], returns: FFIType.void },
  // void ggml_cpu_set_balanced_matmul(bool balanced);  (llama.cpp/patches/0002; process-wide)
  ggml_cpu_set_balanced_matmul: { args: [FFIType.bool], returns: FFIType.void },
  // llama_model * shim_model_load(const char * path, int32_t n_gpu_layers, bool use_mmap, int32_t report_fd);
  shim_model_load: { args: [FFIType.cstring, FFIType.i32, FFIType.bool, FFIType.i32], returns: FFIType.ptr },
  // llama_model * shim_model_load_vocab(const char * path);
  shim_model_load_vocab: { args: [FFIType.cstring], returns: FFIType.ptr },
  // int32_t shim_vocab_max_piece_bytes(const llama_vocab * vocab);
  shim_vocab_max_piece_bytes: { args: [FFIType.ptr], returns: FFIType.i32 },
  // void llama_model_free(llama_model * model);
  llama_model_free: { args: [FFIType.ptr], returns: FFIType.void },
  // const llama_vocab * llama_model_get_vocab(const llama_model * model);
  llama_model_get_vocab: { args: [FFIType.ptr], returns: FFIType.ptr },
  // int32_t llama_model_n_ctx_train(const llama_model * model);
  llama_model_n_ctx_train: { args: [FFIType.ptr], returns: FFIType.i32 },
  // int32_t llama_model_n_swa(const llama_model * model);
  llama_model_n_swa: { args: [FFIType.ptr], returns: FFIType.i32 },
  // const char * llama_model_chat_template(const llama_model * model, const char * name);
  llama_model_chat_template: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.cstring },
} as const;
