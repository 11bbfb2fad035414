import { FFIType } from "bun:ffi";

export const vocabSymbols = {
  // int32_t llama_vocab_n_tokens(const llama_vocab * vocab);
  llama_vocab_n_tokens: { args: [FFIType.ptr], returns: FFIType.i32 },
  // llama_token llama_vocab_bos(const llama_vocab * vocab);
  llama_vocab_bos: { args: [FFIType.ptr], returns: FFIType.i32 },
  // llama_token llama_vocab_eos(const llama_vocab * vocab);
  llama_vocab_eos: { args: [FFIType.ptr], returns: FFIType.i32 },
  // bool llama_vocab_get_add_bos(const llama_vocab * vocab);
  llama_vocab_get_add_bos: { args: [FFIType.ptr], returns: FFIType.bool },
  // bool llama_vocab_get_add_eos(const llama_vocab * vocab);
  llama_vocab_get_add_eos: { args: [FFIType.ptr], returns: FFIType.bool },
  // bool llama_vocab_get_add_sep(const llama_vocab * vocab);
  llama_vocab_get_add_sep: { args: [FFIType.ptr], returns: FFIType.bool },
  // enum llama_vocab_type llama_vocab_type(const llama_vocab * vocab);
  llama_vocab_type: { args: [FFIType.ptr], returns: FFIType.i32 },
  // enum llama_token_attr llama_vocab_get_attr(const llama_vocab * vocab, llama_token token);
  llama_vocab_get_attr: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  // const char * llama_vocab_get_text(const llama_vocab * vocab, llama_token token);
  llama_vocab_get_text: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.cstring },
  // bool llama_vocab_is_eog(const llama_vocab * vocab, llama_token token);
  llama_vocab_is_eog: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.bool },
  // int32_t llama_tokenize(const llama_vocab *, const char * text, int32_t text_len, llama_token * tokens,
  //     int32_t n_tokens_max, bool add_special, bool parse_special);
  llama_tokenize: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.bool, FFIType.bool],
    returns: FFIType.i32,
  },
  // int32_t llama_token_to_piece(const llama_vocab *, llama_token token, char * buf, int32_t length,
  //     int32_t lstrip, bool special);
  llama_token_to_piece: {
    args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.bool],
    returns: FFIType.i32,
  },
} as const;
