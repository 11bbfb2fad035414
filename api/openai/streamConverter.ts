// GenerateEvents -> chat.completion.chunk objects, one event at a time. The route frames each
// object as `data: <json>` and writes `data: [DONE]` once `completed` is true.
import type { EngineErrorInfo, GenerateEvent } from "../../engine/types.ts";
import type { ChatCompletionChunk, OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { ApiError } from "../errors.ts";
import { toOpenAIError } from "./errors.ts";
import { toLogprobs, toUsage, type CompletionContext } from "./toResponse.ts";

export interface StreamContext extends CompletionContext {
  /** Put usage on the final chunk (stream_options.include_usage / include_usage). */
  includeUsage: boolean;
}

type Delta = ChatCompletionChunk["choices"][number]["delta"];
type Choice = ChatCompletionChunk["choices"][number];
export type StreamFrame = ChatCompletionChunk | OpenAIErrorBody;

export class ChatStreamConverter {
  private roleSent = false;
  private state: "open" | "completed" | "failed" = "open";

  constructor(private readonly ctx: StreamContext) {}

  /** No more frames will come: the stream finished or failed. */
  get finished(): boolean {
    return this.state !== "open";
  }

  /** The stream finished normally: the route ends it with `data: [DONE]`. */
  get completed(): boolean {
    return this.state === "completed";
  }

  process(ev: GenerateEvent): StreamFrame[] {
    if (this.finished) return [];
    switch (ev.type) {
      case "start":
      case "tool_call_end":
        return [];
      case "text": {
        const lp = this.ctx.logprobs ? toLogprobs(ev.logprobs ?? []) : null;
        return [this.chunk(this.delta({ content: ev.text }), null, lp)];
      }
      case "reasoning":
        return [this.chunk(this.delta({ reasoning: ev.text }))];
      case "tool_call_start":
        return [
          this.chunk(
            this.delta({
              tool_calls: [{ index: ev.index, id: ev.id, type: "function", function: { name: ev.name, arguments: "" } }],
            }),
          ),
        ];
      case "tool_call_delta":
        return [this.chunk(this.delta({ tool_calls: [{ index: ev.index, function: { arguments: ev.argumentsDelta } }] }))];
      case "done": {
        this.state = "completed";
        // An empty generation still owes the client its role chunk.
        const frames: StreamFrame[] = this.roleSent ? [] : [this.chunk(this.delta({ content: "" }))];
        const last = this.chunk({}, ev.finishReason);
        if (this.ctx.includeUsage) last.usage = toUsage(ev.usage);
        return [...frames, last];
      }
      case "error":
        return [this.fail(ev.error)];
    }
  }

  /** Call when the event source is exhausted: a source that stopped without "done" is an error. */
  done(): StreamFrame[] {
    if (this.finished) return [];
    return [this.fail({ status: 500, code: "internal_error", message: "The generation ended without finishing." })];
  }

  /** An error after the stream began: OpenAI clients parse `{"error": {...}}` frames. */
  fail(info: EngineErrorInfo): OpenAIErrorBody {
    this.state = "failed";
    return toOpenAIError(new ApiError(info.status, info.code, info.message, info.param)).body;
  }

  private delta(d: Delta): Delta {
    if (this.roleSent) return d;
    this.roleSent = true;
    return { role: "assistant", ...d };
  }

  private chunk(delta: Delta, finish: Choice["finish_reason"] = null, logprobs: Choice["logprobs"] = null) {
    const chunk: ChatCompletionChunk = {
      id: this.ctx.id,
      object: "chat.completion.chunk",
      created: this.ctx.created,
      model: this.ctx.model,
      choices: [{ index: 0, delta, logprobs, finish_reason: finish }],
    };
    return chunk;
  }
}
