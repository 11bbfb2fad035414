import { FFIType } from "bun:ffi";

// libmtmd (tools/mtmd/mtmd.h, mtmd-helper.h): projectors that turn images and audio into
// embeddings the text model decodes. Struct-by-value entry points go through the shim.
export const mtmdSymbols = {
  // mtmd_context * shim_mtmd_init(const char * mmproj_path, const llama_model * model, bool use_gpu,
  //     int32_t n_threads, bool warmup);
  shim_mtmd_init: {
    args: [FFIType.cstring, FFIType.ptr, FFIType.bool, FFIType.i32, FFIType.bool],
    returns: FFIType.ptr,
  },
  // void mtmd_free(mtmd_context * ctx);
  mtmd_free: { args: [FFIType.ptr], returns: FFIType.void },
  // const char * mtmd_default_marker(void);
  mtmd_default_marker: { args: [], returns: FFIType.cstring },
  // bool mtmd_support_vision(const mtmd_context * ctx);
  mtmd_support_vision: { args: [FFIType.ptr], returns: FFIType.bool },
  // bool mtmd_support_audio(const mtmd_context * ctx);
  mtmd_support_audio: { args: [FFIType.ptr], returns: FFIType.bool },
  // int mtmd_get_audio_sample_rate(const mtmd_context * ctx);  (-1 without audio)
  mtmd_get_audio_sample_rate: { args: [FFIType.ptr], returns: FFIType.i32 },
  // bool mtmd_decode_use_non_causal(const mtmd_context * ctx, const mtmd_input_chunk * chunk);
  mtmd_decode_use_non_causal: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.bool },
  // bool mtmd_decode_use_mrope(const mtmd_context * ctx);
  mtmd_decode_use_mrope: { args: [FFIType.ptr], returns: FFIType.bool },
  // int32_t llama_model_n_embd_inp(const llama_model * model);  (libllama: the width of an embedding row)
  llama_model_n_embd_inp: { args: [FFIType.ptr], returns: FFIType.i32 },

  // mtmd_bitmap * shim_mtmd_bitmap_from_buf(const mtmd_context * ctx, const unsigned char * buf, size_t len);  (audio)
  shim_mtmd_bitmap_from_buf: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.ptr },
  // mtmd_bitmap * shim_mtmd_bitmap_from_image(const unsigned char * buf, size_t len, const char * id);
  shim_mtmd_bitmap_from_image: { args: [FFIType.ptr, FFIType.u64, FFIType.cstring], returns: FFIType.ptr },
  // const char * shim_mtmd_image_error(void);
  shim_mtmd_image_error: { args: [], returns: FFIType.cstring },
  // uint32_t mtmd_bitmap_get_nx(const mtmd_bitmap * bitmap);
  mtmd_bitmap_get_nx: { args: [FFIType.ptr], returns: FFIType.u32 },
  // uint32_t mtmd_bitmap_get_ny(const mtmd_bitmap * bitmap);
  mtmd_bitmap_get_ny: { args: [FFIType.ptr], returns: FFIType.u32 },
  // size_t mtmd_bitmap_get_n_bytes(const mtmd_bitmap * bitmap);
  mtmd_bitmap_get_n_bytes: { args: [FFIType.ptr], returns: FFIType.u64_fast },
  // bool mtmd_bitmap_is_audio(const mtmd_bitmap * bitmap);
  mtmd_bitmap_is_audio: { args: [FFIType.ptr], returns: FFIType.bool },
  // const char * mtmd_bitmap_get_id(const mtmd_bitmap * bitmap);  (NULL when none was set)
  mtmd_bitmap_get_id: { args: [FFIType.ptr], returns: FFIType.ptr },
  // void mtmd_bitmap_free(mtmd_bitmap * bitmap);
  mtmd_bitmap_free: { args: [FFIType.ptr], returns: FFIType.void },

  // mtmd_input_chunks * mtmd_input_chunks_init(void);
  mtmd_input_chunks_init: { args: [], returns: FFIType.ptr },
  // int32_t shim_mtmd_tokenize(const mtmd_context * ctx, mtmd_input_chunks * output, const char * text,
  //     size_t text_len, bool add_special, bool parse_special, const mtmd_bitmap * const * bitmaps, size_t n_bitmaps);
  shim_mtmd_tokenize: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.bool, FFIType.bool, FFIType.ptr, FFIType.u64],
    returns: FFIType.i32,
  },
  // size_t mtmd_input_chunks_size(const mtmd_input_chunks * chunks);
  mtmd_input_chunks_size: { args: [FFIType.ptr], returns: FFIType.u64_fast },
  // const mtmd_input_chunk * mtmd_input_chunks_get(const mtmd_input_chunks * chunks, size_t idx);
  mtmd_input_chunks_get: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.ptr },
  // void mtmd_input_chunks_free(mtmd_input_chunks * chunks);
  mtmd_input_chunks_free: { args: [FFIType.ptr], returns: FFIType.void },

  // enum mtmd_input_chunk_type mtmd_input_chunk_get_type(const mtmd_input_chunk * chunk);
  mtmd_input_chunk_get_type: { args: [FFIType.ptr], returns: FFIType.i32 },
  // const llama_token * mtmd_input_chunk_get_tokens_text(const mtmd_input_chunk * chunk, size_t * n_tokens_output);
  mtmd_input_chunk_get_tokens_text: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.ptr },
  // size_t mtmd_input_chunk_get_n_tokens(const mtmd_input_chunk * chunk);
  mtmd_input_chunk_get_n_tokens: { args: [FFIType.ptr], returns: FFIType.u64_fast },
  // llama_pos mtmd_input_chunk_get_n_pos(const mtmd_input_chunk * chunk);
  mtmd_input_chunk_get_n_pos: { args: [FFIType.ptr], returns: FFIType.i32 },
  // const char * mtmd_input_chunk_get_id(const mtmd_input_chunk * chunk);  (NULL for text)
  mtmd_input_chunk_get_id: { args: [FFIType.ptr], returns: FFIType.ptr },
  // mtmd_input_chunk * mtmd_input_chunk_copy(const mtmd_input_chunk * chunk);
  mtmd_input_chunk_copy: { args: [FFIType.ptr], returns: FFIType.ptr },
  // void mtmd_input_chunk_free(mtmd_input_chunk * chunk);
  mtmd_input_chunk_free: { args: [FFIType.ptr], returns: FFIType.void },

  // int32_t mtmd_encode_chunk(mtmd_context * ctx, const mtmd_input_chunk * chunk);
  mtmd_encode_chunk: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  // float * mtmd_get_output_embd(mtmd_context * ctx);
  mtmd_get_output_embd: { args: [FFIType.ptr], returns: FFIType.ptr },
  // int32_t mtmd_helper_eval_chunk_single(mtmd_context * ctx, llama_context * lctx, const mtmd_input_chunk * chunk,
  //     llama_pos n_past, llama_seq_id seq_id, int32_t n_batch, bool logits_last, llama_pos * new_n_past);
  mtmd_helper_eval_chunk_single: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.bool, FFIType.ptr],
    returns: FFIType.i32,
  },
} as const;
