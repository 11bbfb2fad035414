// GenerateEvents -> Anthropic's server-sent events, in the order its clients require:
// message_start, then per block content_block_start / content_block_delta... / content_block_stop,
// then message_delta and message_stop. The SDK's stream helper rejects any other order.
import type { EngineErrorInfo, GenerateEvent } from "../../core/index.ts";
import type { StreamConverter } from "../generation.ts";
import type { SseFrame } from "../http/sse.ts";
import { anthropicError, type AnthropicErrorBody } from "./errors.ts";
import { isBlank, matchedStop, stopReason, toUsage, type MessageContext } from "./toResponse.ts";

const event = (data: { type: string; [key: string]: unknown } | AnthropicErrorBody): SseFrame => ({ event: data.type, data: JSON.stringify(data) });

export const PING: SseFrame = event({ type: "ping" });

type OpenBlock = { kind: "text" | "thinking"; index: number } | { kind: "tool_use"; index: number; call: number };

export class MessageStreamConverter implements StreamConverter {
  #state: "new" | "open" | "completed" | "failed" = "new";
  #block: OpenBlock | undefined;
  #blocks = 0;
  /** The open thinking block's text, signed when it closes. */
  #reasoning = "";
  /** Whitespace that would open a text block on its own: held until real text follows. */
  #blank = "";

  constructor(private readonly ctx: MessageContext) {}

  get finished(): boolean {
    return this.#state === "completed" || this.#state === "failed";
  }

  process(ev: GenerateEvent): SseFrame[] {
    if (this.finished) return [];
    if (ev.type === "error") return this.fail(ev.error);
    const frames = this.#state === "new" ? this.#start(ev.type === "start" ? ev.promptTokens : 0) : [];
    switch (ev.type) {
      case "start":
        break;
      case "reasoning":
        if (this.#block?.kind !== "thinking") frames.push(...this.#open({ type: "thinking", thinking: "", signature: "" }, "thinking"));
        this.#reasoning += ev.text;
        if (!this.ctx.omitThinking && ev.text !== "") frames.push(this.#delta({ type: "thinking_delta", thinking: ev.text }));
        break;
      case "text":
        frames.push(...this.#text(ev.text));
        break;
      case "tool_call_start":
        this.#blank = "";
        frames.push(...this.#open({ type: "tool_use", id: ev.id, name: ev.name, input: {} }, "tool_use", ev.index));
        break;
      case "tool_call_delta":
        if (this.#block?.kind === "tool_use" && this.#block.call === ev.index && ev.argumentsDelta !== "")
          frames.push(this.#delta({ type: "input_json_delta", partial_json: ev.argumentsDelta }));
        break;
      case "tool_call_end":
        if (this.#block?.kind === "tool_use" && this.#block.call === ev.index) frames.push(...this.#close());
        break;
      case "done":
        this.#state = "completed";
        frames.push(
          ...this.#close(),
          event({
            type: "message_delta",
            delta: {
              stop_reason: stopReason(ev.finishReason, ev.stopSequence, this.ctx),
              stop_sequence: matchedStop(ev.finishReason, ev.stopSequence, this.ctx),
            },
            // Cumulative totals: the final input split between cache reads and the rest.
            usage: toUsage(ev.usage),
          }),
          event({ type: "message_stop" }),
        );
        break;
    }
    return frames;
  }

  end(): SseFrame[] {
    if (this.finished) return [];
    return this.fail({ kind: "internal", code: "internal_error", message: "The generation ended without finishing." });
  }

  /** After the stream began, an `error` event is the only way left to report a failure. */
  fail(error: EngineErrorInfo): SseFrame[] {
    this.#state = "failed";
    return [event(anthropicError(error).body)];
  }

  #start(promptTokens: number): SseFrame[] {
    this.#state = "open";
    const message = {
      id: this.ctx.id,
      type: "message",
      role: "assistant",
      content: [],
      model: this.ctx.model,
      stop_reason: null,
      stop_sequence: null,
      // Cache reads are known at the end only (message_delta carries the split).
      usage: { input_tokens: promptTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return [event({ type: "message_start", message }), PING];
  }

  #text(text: string): SseFrame[] {
    if (this.#block?.kind === "text") return [this.#delta({ type: "text_delta", text })];
    const held = this.#blank + text;
    if (isBlank(held)) {
      this.#blank = held;
      return [];
    }
    this.#blank = "";
    return [...this.#open({ type: "text", text: "" }, "text"), this.#delta({ type: "text_delta", text: held })];
  }

  #open(contentBlock: Record<string, unknown>, kind: OpenBlock["kind"], call = 0): SseFrame[] {
    const frames = this.#close();
    const index = this.#blocks++;
    this.#block = kind === "tool_use" ? { kind, index, call } : { kind, index };
    frames.push(event({ type: "content_block_start", index, content_block: contentBlock }));
    return frames;
  }

  #close(): SseFrame[] {
    const block = this.#block;
    if (!block) return [];
    this.#block = undefined;
    const frames: SseFrame[] = [];
    if (block.kind === "thinking") {
      frames.push(this.#delta({ type: "signature_delta", signature: this.ctx.signer.sign(this.#reasoning) }, block.index));
      this.#reasoning = "";
    }
    frames.push(event({ type: "content_block_stop", index: block.index }));
    return frames;
  }

  #delta(delta: Record<string, unknown>, index = this.#block!.index): SseFrame {
    return event({ type: "content_block_delta", index, delta });
  }
}
