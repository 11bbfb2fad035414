// What a prompt may be, in bytes and tokens, for one request's share of the context; the
// same refusal whether it is caught before tokenizing (bytes) or after (tokens).
import type { EngineErrorInfo } from "../core/index.ts";

const ADVICE = "shorten the messages or start the server with a larger --ctx-size";

/** A prompt of this many tokens leaves no room to generate: at least one token must fit. */
export function tokensExceeded(promptTokens: number, contextPerSequence: number): EngineErrorInfo | undefined {
  if (promptTokens < contextPerSequence) return undefined;
  return {
    kind: "context_exceeded",
    code: "context_length_exceeded",
    param: "messages",
    message:
      `the prompt is ${promptTokens} tokens, but this model's context holds ${contextPerSequence} ` +
      `tokens per request (leaving room for at least one generated token): ${ADVICE}`,
  };
}

/**
 * Refuses, before tokenizing, a prompt that cannot fit whatever its tokens: no token covers more
 * than `maxTokenBytes` input bytes, so a longer prompt has at least `contextPerSequence` tokens.
 * (llama.cpp's tokenizer is quadratic on some input: this keeps unbounded text away from it.)
 */
export function bytesExceeded(prompt: string, maxTokenBytes: number, contextPerSequence: number): EngineErrorInfo | undefined {
  if (maxTokenBytes <= 0 || contextPerSequence <= 0) return undefined;
  const limit = (contextPerSequence - 1) * maxTokenBytes;
  // A UTF-16 unit is at most 3 UTF-8 bytes, at least 1: count bytes only when it can matter.
  if (prompt.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(prompt, "utf8");
  if (bytes <= limit) return undefined;
  return {
    kind: "context_exceeded",
    code: "context_length_exceeded",
    param: "messages",
    message:
      `the prompt is ${bytes} bytes, but this model's context holds ${contextPerSequence} tokens per request ` +
      `and none of its tokens covers more than ${maxTokenBytes} bytes, so at most ${limit} bytes can fit: ${ADVICE}`,
  };
}
