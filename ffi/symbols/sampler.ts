import { FFIType } from "bun:ffi";

export const samplerSymbols = {
  // llama_sampler * shim_sampler_chain_new(void);
  shim_sampler_chain_new: { args: [], returns: FFIType.ptr },
  // void llama_sampler_chain_add(llama_sampler * chain, llama_sampler * smpl);
  llama_sampler_chain_add: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.void },
  // int32_t llama_sampler_chain_n(const llama_sampler * chain);
  llama_sampler_chain_n: { args: [FFIType.ptr], returns: FFIType.i32 },
  // llama_sampler * llama_sampler_chain_get(llama_sampler * chain, int32_t i);
  llama_sampler_chain_get: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.ptr },
  // const char * llama_sampler_name(const llama_sampler * smpl);
  llama_sampler_name: { args: [FFIType.ptr], returns: FFIType.cstring },
  // void llama_sampler_free(llama_sampler * smpl);
  llama_sampler_free: { args: [FFIType.ptr], returns: FFIType.void },
  // void llama_sampler_accept(llama_sampler * smpl, llama_token token);
  llama_sampler_accept: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.void },
  // int32_t shim_sample_many(llama_context *, const llama_vocab *, int32_t n, const int32_t * idx,
  //     llama_sampler * const * chains, llama_sampler * const * grammars, int32_t * tokens);
  shim_sample_many: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr],
    returns: FFIType.i32,
  },
  // llama_sampler * llama_sampler_init_greedy(void);
  llama_sampler_init_greedy: { args: [], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_dist(uint32_t seed);
  llama_sampler_init_dist: { args: [FFIType.u32], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_top_k(int32_t k);
  llama_sampler_init_top_k: { args: [FFIType.i32], returns: FFIType.ptr },
  // llama_sampler * shim_sampler_top_k(int32_t k);  (llama.cpp's top-k; the shim reads k, so top-k after
  //     our bias and penalties skips the full candidate array)
  shim_sampler_top_k: { args: [FFIType.i32], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_top_p(float p, size_t min_keep);
  llama_sampler_init_top_p: { args: [FFIType.f32, FFIType.u64], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_min_p(float p, size_t min_keep);
  llama_sampler_init_min_p: { args: [FFIType.f32, FFIType.u64], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_temp(float t);
  llama_sampler_init_temp: { args: [FFIType.f32], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_xtc(float p, float t, size_t min_keep, uint32_t seed);
  llama_sampler_init_xtc: {
    args: [FFIType.f32, FFIType.f32, FFIType.u64, FFIType.u32],
    returns: FFIType.ptr,
  },
  // llama_sampler * llama_sampler_init_penalties(int32_t n_vocab, int32_t penalty_last_n,
  //     float penalty_repeat, float penalty_freq, float penalty_present);
  llama_sampler_init_penalties: {
    args: [FFIType.i32, FFIType.i32, FFIType.f32, FFIType.f32, FFIType.f32],
    returns: FFIType.ptr,
  },
  // llama_sampler * shim_sampler_penalties(int32_t n_vocab, int32_t penalty_last_n,
  //     float penalty_repeat, float penalty_freq, float penalty_present);  (llama.cpp's, applied by index)
  shim_sampler_penalties: {
    args: [FFIType.i32, FFIType.i32, FFIType.f32, FFIType.f32, FFIType.f32],
    returns: FFIType.ptr,
  },
  // llama_sampler * shim_sampler_dry(const llama_vocab *, float multiplier, float base,
  //     int32_t allowed_length, int32_t penalty_last_n, const char * breakers_joined, int32_t n);
  shim_sampler_dry: {
    args: [FFIType.ptr, FFIType.f32, FFIType.f32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.i32],
    returns: FFIType.ptr,
  },
  // llama_sampler * llama_sampler_init_logit_bias(int32_t n_vocab, int32_t n_logit_bias,
  //     const llama_logit_bias * logit_bias);  (an array of {llama_token token; float bias;}, copied)
  llama_sampler_init_logit_bias: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.ptr },
  // llama_sampler * shim_sampler_logit_bias(int32_t n_vocab, int32_t n, const llama_logit_bias *);
  //     (llama.cpp's arithmetic; the shim sees its tokens, so greedy after it skips the full candidate array)
  shim_sampler_logit_bias: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.ptr },
  // llama_sampler * llama_sampler_init_grammar(const llama_vocab *, const char * grammar_str, const char * root);
  llama_sampler_init_grammar: {
    args: [FFIType.ptr, FFIType.cstring, FFIType.cstring],
    returns: FFIType.ptr,
  },
  // llama_sampler * shim_sampler_grammar_lazy(const llama_vocab *, const char * grammar, const char * root,
  //     const char * patterns_joined, int32_t n_patterns);
  shim_sampler_grammar_lazy: {
    args: [FFIType.ptr, FFIType.cstring, FFIType.cstring, FFIType.ptr, FFIType.i32],
    returns: FFIType.ptr,
  },
  // float shim_logprobs(llama_context *, const llama_vocab *, int32_t idx, int32_t token, int32_t k,
  //     int32_t * top_ids, float * top_logprobs);
  shim_logprobs: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr],
    returns: FFIType.f32,
  },
} as const;
