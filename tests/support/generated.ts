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

/** Qwen2.5's tokens that steered presets bias. */
const QWEN_IM_END = 151645;
const QWEN_TOOL_CALL = 151657;
const QWEN_TOOL_CALL_END = 151658;
const QWEN_NEWLINE = 198;
const QWEN_GREATER_THAN = 29;
/** ">\n": the only token that closes a call and starts the separator before another one. */
const QWEN_GREATER_THAN_NEWLINE = 397;
/** Tokens that close a JSON string argument: random weights would write long strings. */
const QWEN_STRING_ENDS = [1, 9207, 30975]; // `"`, `"}`, `"}}`
/** "_response", as in the template's `<tool_response>`: only a tool result puts it in the prompt. */
const QWEN_RESPONSE_PIECE = 9655;

/** No turn ends on an empty answer: the generation prompt ends with a newline. */
const NO_EMPTY_ANSWER = { tokens: [QWEN_NEWLINE], bias: [{ token: QWEN_IM_END, strength: -20 }] };

/**
 * TINY_QWEN whose answers end by themselves after a handful of tokens (mean about 5 at
 * temperature 0.8, top-k 40; top-k 0 lets them run), for clients that need turns to end.
 */
export const TINY_QWEN_CHATTY: ModelSpec = {
  ...TINY_QWEN,
  name: "tiny-qwen-chatty",
  steering: { always: [{ token: QWEN_IM_END, strength: 3 }], after: [NO_EMPTY_ANSWER] },
};

/**
 * An agent in miniature: with tools offered, its turn starts with `<tool_call>` (the lazy
 * grammar then keeps the call well-formed) and ends right after `</tool_call>`; once a tool
 * result is in the context it calls nothing and answers in a handful of tokens.
 */
export const TINY_QWEN_TOOL_CALLER: ModelSpec = {
  ...TINY_QWEN,
  name: "tiny-qwen-tool-caller",
  steering: {
    // `<tool_call>` is also valid text inside a JSON string: favour it only where a turn starts.
    always: [
      { token: QWEN_TOOL_CALL, strength: -5 },
      { token: QWEN_IM_END, strength: 3 },
      ...QWEN_STRING_ENDS.map((token) => ({ token, strength: 3 })),
      { token: QWEN_GREATER_THAN_NEWLINE, strength: -20 },
    ],
    after: [
      // A turn starts after a newline, and a call's closing tag follows one (as one token, so
      // that the rule below sees it).
      {
        tokens: [QWEN_NEWLINE],
        bias: [
          { token: QWEN_IM_END, strength: -20 },
          { token: QWEN_TOOL_CALL, strength: 20 },
          { token: QWEN_TOOL_CALL_END, strength: 10 },
        ],
      },
      // The closing tag's last token: ">" when the grammar spells it out in pieces.
      { tokens: [QWEN_TOOL_CALL_END, QWEN_GREATER_THAN], bias: [{ token: QWEN_IM_END, strength: 20 }] },
    ],
    onceSeen: {
      tokens: [QWEN_RESPONSE_PIECE],
      bias: [
        { token: QWEN_TOOL_CALL, strength: -30 },
        { token: QWEN_TOOL_CALL_END, strength: -30 },
      ],
    },
  },
};
