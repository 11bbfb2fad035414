// A finished generation -> an Anthropic message. Pure (given the signer of thinking blocks).
import type { FinishReason, Usage } from "../../core/index.ts";
import type { Completion } from "../generation.ts";
import type { AnthropicMessage, AnthropicUsage, ResponseContentBlock, StopReason } from "../../schemas/anthropic-messages.ts";
import type { ThinkingSigner } from "./thinkingSignature.ts";

export interface MessageContext {
  id: string;
  /** The model name as the client sent it. */
  model: string;
  /** The client's stop_sequences: another stop string (a template's fallback) is an ordinary end of turn. */
  stopSequences: string[];
  /** thinking.display "omitted": thinking blocks carry only their signature. */
  omitThinking: boolean;
  signer: ThinkingSigner;
}

export const newMessageId = () => `msg_${randomBase62(24)}`;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function randomBase62(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  // 62 * 4 = 248: a slight bias on a random id is harmless.
  return Array.from(bytes, (b) => BASE62[b % 62]).join("");
}

export function stopReason(reason: FinishReason, stopSequence: string | undefined, ctx: MessageContext): StopReason {
  switch (reason) {
    case "tool_calls":
      return "tool_use";
    case "max_tokens":
      return "max_tokens";
    case "stop_sequence":
      return stopSequence !== undefined && ctx.stopSequences.includes(stopSequence) ? "stop_sequence" : "end_turn";
    case "eos":
      return "end_turn";
  }
}

/** The stop sequence the client asked for that matched, else null. */
export function matchedStop(reason: FinishReason, stopSequence: string | undefined, ctx: MessageContext): string | null {
  return stopReason(reason, stopSequence, ctx) === "stop_sequence" ? stopSequence! : null;
}

export function toUsage(u: Usage): AnthropicUsage {
  return {
    // Anthropic counts cache reads apart: the prompt is input + cache_read + cache_creation.
    input_tokens: u.promptTokens - u.cachedPromptTokens,
    output_tokens: u.completionTokens,
    cache_read_input_tokens: u.cachedPromptTokens,
    cache_creation_input_tokens: 0,
  };
}

export function thinkingBlock(reasoning: string, ctx: MessageContext): Extract<ResponseContentBlock, { type: "thinking" }> {
  return { type: "thinking", thinking: ctx.omitThinking ? "" : reasoning, signature: ctx.signer.sign(reasoning) };
}

/** Tool input as an object; arguments cut short (max_tokens inside a call) give what parses, else {}. */
export function parseInput(args: string): unknown {
  try {
    const value = JSON.parse(args);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** Text that is only whitespace (between or around tool calls) makes no block. */
export const isBlank = (text: string) => text.trim() === "";

export function toMessage(done: Completion, ctx: MessageContext): AnthropicMessage {
  const content: ResponseContentBlock[] = [];
  if (done.reasoning !== "") content.push(thinkingBlock(done.reasoning, ctx));
  if (!isBlank(done.text)) content.push({ type: "text", text: done.text });
  for (const call of done.toolCalls) content.push({ type: "tool_use", id: call.id, name: call.name, input: parseInput(call.arguments) });
  return {
    id: ctx.id,
    type: "message",
    role: "assistant",
    content,
    model: ctx.model,
    stop_reason: stopReason(done.finishReason, done.stopSequence, ctx),
    stop_sequence: matchedStop(done.finishReason, done.stopSequence, ctx),
    usage: toUsage(done.usage),
  };
}
