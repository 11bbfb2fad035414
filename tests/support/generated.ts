// Generated test models: real tokenizers and chat templates from llama.cpp's source, random
// weights. Their text is gibberish, so tests constrain it with grammars or check structure.
import { resolve } from "node:path";
import { LLAMA_CPP_SOURCE, llamaCppTemplate, TINY_QWEN, type ModelSpec } from "../fixtures/models.ts";

/** The tiny dimensions of TINY_QWEN: loads and decodes in milliseconds. */
const { nEmbd, nLayer, nHead, nHeadKv, nFf, ctxTrain, type } = TINY_QWEN;
const TINY_DIMS = { nEmbd, nLayer, nHead, nHeadKv, nFf, ctxTrain, type };

export const TINY_LLAMA3: ModelSpec = {
  ...TINY_DIMS,
  name: "tiny-llama3",
  arch: "llama",
  vocab: resolve(LLAMA_CPP_SOURCE, "models/ggml-vocab-llama-bpe.gguf"),
  chatTemplate: llamaCppTemplate("meta-llama-Llama-3.3-70B-Instruct.jinja"),
};

/** Qwen3's template (thinking, <tool_call>) on the Qwen tokenizer. */
export const TINY_QWEN3: ModelSpec = { ...TINY_QWEN, name: "tiny-qwen3", chatTemplate: llamaCppTemplate("Qwen-Qwen3-0.6B.jinja") };

/** Qwen3-Coder's XML tool-call format. */
export const TINY_QWEN3_CODER: ModelSpec = { ...TINY_QWEN, name: "tiny-qwen3-coder", chatTemplate: llamaCppTemplate("Qwen3-Coder.jinja") };

const TINY_LLAMA_SPM = { ...TINY_DIMS, arch: "llama" as const, vocab: resolve(LLAMA_CPP_SOURCE, "models/ggml-vocab-llama-spm.gguf") };

/** Mistral Nemo: `[TOOL_CALLS][{...}]`. */
export const TINY_MISTRAL_NEMO: ModelSpec = { ...TINY_LLAMA_SPM, name: "tiny-mistral-nemo", chatTemplate: llamaCppTemplate("mistralai-Mistral-Nemo-Instruct-2407.jinja") };

/** Mistral Small 3.2: `[TOOL_CALLS]name[ARGS]{...}`. */
export const TINY_MISTRAL_SMALL: ModelSpec = { ...TINY_LLAMA_SPM, name: "tiny-mistral-small", chatTemplate: llamaCppTemplate("Mistral-Small-3.2-24B-Instruct-2506.jinja") };

/** DeepSeek R1 distilled into Qwen: `<｜tool▁calls▁begin｜>...` and `<think>`. */
export const TINY_DEEPSEEK_R1: ModelSpec = { ...TINY_QWEN, name: "tiny-deepseek-r1", chatTemplate: llamaCppTemplate("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja") };

/** gpt-oss's harmony channels, on the Qwen tokenizer (its own is not in llama.cpp's source). */
export const TINY_GPT_OSS: ModelSpec = { ...TINY_QWEN, name: "tiny-gpt-oss", chatTemplate: llamaCppTemplate("openai-gpt-oss-120b.jinja") };
