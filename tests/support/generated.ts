// Generated test models: real tokenizers and chat templates from llama.cpp's source, random
// weights. Their text is gibberish, so tests constrain it with grammars or check structure.
import { resolve } from "node:path";
import { LLAMA_CPP_SOURCE, llamaCppTemplate, TINY_QWEN, type ModelSpec } from "../fixtures/models.ts";

export const TINY_LLAMA3: ModelSpec = {
  name: "tiny-llama3",
  arch: "llama",
  vocab: resolve(LLAMA_CPP_SOURCE, "models/ggml-vocab-llama-bpe.gguf"),
  chatTemplate: llamaCppTemplate("meta-llama-Llama-3.3-70B-Instruct.jinja"),
  nEmbd: 64,
  nLayer: 2,
  nHead: 4,
  nHeadKv: 2,
  nFf: 128,
  ctxTrain: 4096,
  type: "f32",
};

/** Qwen3's template (thinking, <tool_call>) on the Qwen tokenizer. */
export const TINY_QWEN3: ModelSpec = { ...TINY_QWEN, name: "tiny-qwen3", chatTemplate: llamaCppTemplate("Qwen-Qwen3-0.6B.jinja") };

/** Qwen3-Coder's XML tool-call format. */
export const TINY_QWEN3_CODER: ModelSpec = { ...TINY_QWEN, name: "tiny-qwen3-coder", chatTemplate: llamaCppTemplate("Qwen3-Coder.jinja") };
