// GenerateEvents -> Responses stream events, each with `type` and `sequence_number`, as
// `event:` + `data:` frames, in OpenAI's order: an item is added, its parts opened, deltas,
// parts done, the item done; the lifecycle events wrap the response. The converter also keeps
// the finished output, so the non-streamed answer and the stored one are built from it too.
import type { ChatMessage, EngineErrorInfo, GenerateEvent, TokenLogprob, ToolCall, Usage } from "../../core/index.ts";
import type { StreamConverter } from "../generation.ts";
import type { SseFrame } from "../http/sse.ts";
import { newId } from "./items.ts";
import {
  bindingOf,
  callItem,
  customInput,
  messageItem,
  outputTextPart,
  reasoningItem,
  responseObject,
  statusOf,
  type Item,
  type ResponseContext,
  type ResponseStatus,
} from "./toResponse.ts";
import type { ToolBinding } from "./tools.ts";

type Open =
  | { kind: "reasoning"; index: number; id: string; text: string }
  | { kind: "message"; index: number; id: string; text: string; logprobs: TokenLogprob[] }
  | { kind: "call"; index: number; engineId: string; name: string; binding: ToolBinding; args: string; item: Item };

export class ResponsesStreamConverter implements StreamConverter {
  private seq = 0;
  private status: ResponseStatus = "in_progress";
  private readonly output: Item[] = [];
  private current: Open | undefined;
  private usage: Usage | undefined;
  private error: EngineErrorInfo | undefined;
  private reasoning = "";
  private text = "";
  private readonly calls: ToolCall[] = [];
  private cancelRequested = false;

  constructor(private readonly ctx: ResponseContext) {}

  get finished(): boolean {
    return this.status !== "in_progress";
  }

  /** The response object as it stands (final once `finished`). */
  response(): Item {
    return responseObject(this.ctx, { status: this.status, output: this.output, usage: this.usage, error: this.error });
  }

  /** The assistant turn this response adds to the conversation (for previous_response_id). */
  assistantMessage(): ChatMessage {
    const msg: ChatMessage = { role: "assistant", content: this.text ? [{ type: "text", text: this.text }] : [] };
    if (this.reasoning) msg.reasoning = this.reasoning;
    if (this.calls.length) msg.toolCalls = this.calls;
    return msg;
  }

  process(ev: GenerateEvent): SseFrame[] {
    if (this.finished) return [];
    if (this.cancelRequested) return this.cancel();
    switch (ev.type) {
      case "start":
        return [this.lifecycle("response.created"), this.lifecycle("response.in_progress")];
      case "reasoning":
        return this.reasoningDelta(ev.text);
      case "text":
        return this.textDelta(ev.text, ev.logprobs);
      case "tool_call_start":
        return this.startCall(ev.id, ev.name);
      case "tool_call_delta":
        return this.callDelta(ev.argumentsDelta);
      case "tool_call_end":
        return this.close();
      // Only a request for several choices (Chat Completions' n) ends choices apart.
      case "choice_done":
        return [];
      case "done": {
        const frames = this.close();
        // Every response has at least one item: clients take the answer from output_item.done.
        if (this.output.length === 0) frames.push(...this.textDelta("", undefined), ...this.close());
        this.usage = ev.usage;
        this.status = statusOf(ev.finishReason);
        return [...frames, this.lifecycle(this.status === "completed" ? "response.completed" : "response.incomplete")];
      }
      case "error":
        return this.fail(ev.error);
    }
  }

  /** The failure that ended the response, if one did. */
  get failure(): EngineErrorInfo | undefined {
    return this.error;
  }

  /** POST /cancel: the generation is being aborted; its end is a cancellation, not a failure. */
  requestCancel(): void {
    this.cancelRequested = true;
  }

  end(): SseFrame[] {
    if (this.finished) return [];
    if (this.cancelRequested) return this.cancel();
    return this.fail({ kind: "internal", code: "internal_error", message: "The generation ended without finishing." });
  }

  /** A failure after the stream began: an `error` event, then the failed response. */
  fail(error: EngineErrorInfo): SseFrame[] {
    if (this.finished) return [];
    const frames = this.close();
    this.error = error;
    this.status = "failed";
    frames.push(this.event("error", { code: error.code, message: error.message, param: error.param ?? null }));
    return [...frames, this.lifecycle("response.failed")];
  }

  /** The client cancelled the response (POST /cancel): it ends as "cancelled". */
  cancel(): SseFrame[] {
    if (this.finished) return [];
    const frames = this.close();
    this.status = "cancelled";
    return [...frames, this.lifecycle("response.cancelled")];
  }

  private reasoningDelta(delta: string): SseFrame[] {
    const frames: SseFrame[] = [];
    if (this.current?.kind !== "reasoning") {
      frames.push(...this.close());
      const open = { kind: "reasoning" as const, index: this.output.length, id: newId("rs_"), text: "" };
      this.current = open;
      this.output.push({ id: open.id, type: "reasoning", summary: [], content: [] });
      frames.push(this.event("response.output_item.added", { output_index: open.index, item: { id: open.id, type: "reasoning", summary: [] } }));
      frames.push(this.event("response.content_part.added", { ...this.at(open), content_index: 0, part: { type: "reasoning_text", text: "" } }));
      if (this.ctx.wants.reasoningSummary)
        frames.push(this.event("response.reasoning_summary_part.added", { ...this.at(open), summary_index: 0, part: { type: "summary_text", text: "" } }));
    }
    const open = this.current as Extract<Open, { kind: "reasoning" }>;
    open.text += delta;
    this.reasoning += delta;
    frames.push(this.event("response.reasoning_text.delta", { ...this.at(open), content_index: 0, delta }));
    if (this.ctx.wants.reasoningSummary)
      frames.push(this.event("response.reasoning_summary_text.delta", { ...this.at(open), summary_index: 0, delta }));
    return frames;
  }

  private textDelta(delta: string, logprobs: TokenLogprob[] | undefined): SseFrame[] {
    const frames: SseFrame[] = [];
    if (this.current?.kind !== "message") {
      frames.push(...this.close());
      const open = { kind: "message" as const, index: this.output.length, id: newId("msg_"), text: "", logprobs: [] };
      this.current = open;
      this.output.push(messageItem(open.id, "", "in_progress"));
      frames.push(this.event("response.output_item.added", { output_index: open.index, item: { id: open.id, type: "message", status: "in_progress", role: "assistant", content: [] } }));
      frames.push(this.event("response.content_part.added", { ...this.at(open), content_index: 0, part: outputTextPart("", this.lp([])) }));
    }
    const open = this.current as Extract<Open, { kind: "message" }>;
    open.text += delta;
    this.text += delta;
    if (logprobs) open.logprobs.push(...logprobs);
    if (delta) frames.push(this.event("response.output_text.delta", { ...this.at(open), content_index: 0, delta, logprobs: outputTextPart("", this.lp(logprobs ?? [])).logprobs }));
    return frames;
  }

  private startCall(engineId: string, name: string): SseFrame[] {
    const frames = this.close();
    const binding = bindingOf(this.ctx.toolPlan, name);
    const item = callItem(binding, engineId, "", "in_progress");
    const open = { kind: "call" as const, index: this.output.length, engineId, name, binding, args: "", item };
    this.current = open;
    this.output.push(item);
    frames.push(this.event("response.output_item.added", { output_index: open.index, item }));
    return frames;
  }

  private callDelta(delta: string): SseFrame[] {
    if (this.current?.kind !== "call") return [];
    this.current.args += delta;
    // A custom tool's input is a JSON string inside the arguments: sent whole when the call ends.
    if (this.current.binding.kind === "custom") return [];
    return [this.event("response.function_call_arguments.delta", { ...this.at(this.current), delta })];
  }

  /** Closes the open item (its parts, then the item) and records it in the output. */
  private close(): SseFrame[] {
    const open = this.current;
    if (!open) return [];
    this.current = undefined;
    const at = this.at(open);
    const status = "completed";
    switch (open.kind) {
      case "reasoning": {
        const item = reasoningItem(this.ctx, open.id, open.text);
        this.output[open.index] = item;
        const frames = [
          this.event("response.reasoning_text.done", { ...at, content_index: 0, text: open.text }),
          this.event("response.content_part.done", { ...at, content_index: 0, part: { type: "reasoning_text", text: open.text } }),
        ];
        if (this.ctx.wants.reasoningSummary)
          frames.push(
            this.event("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: open.text }),
            this.event("response.reasoning_summary_part.done", { ...at, summary_index: 0, part: { type: "summary_text", text: open.text } }),
          );
        return [...frames, this.event("response.output_item.done", { output_index: open.index, item })];
      }
      case "message": {
        const item = messageItem(open.id, open.text, status, this.lp(open.logprobs));
        this.output[open.index] = item;
        const part = (item.content as Item[])[0]!;
        return [
          this.event("response.output_text.done", { ...at, content_index: 0, text: open.text, logprobs: part.logprobs }),
          this.event("response.content_part.done", { ...at, content_index: 0, part }),
          this.event("response.output_item.done", { output_index: open.index, item }),
        ];
      }
      case "call": {
        const item = callItem(open.binding, open.engineId, open.args, status);
        this.output[open.index] = item;
        this.calls.push({ id: item.call_id as string, name: open.name, arguments: open.args });
        const frames: SseFrame[] = [];
        if (open.binding.kind === "custom") {
          const input = customInput(open.args);
          if (input) frames.push(this.event("response.custom_tool_call_input.delta", { ...at, delta: input }));
          frames.push(this.event("response.custom_tool_call_input.done", { ...at, input }));
        } else {
          frames.push(this.event("response.function_call_arguments.done", { ...at, name: open.binding.name, arguments: open.args }));
        }
        return [...frames, this.event("response.output_item.done", { output_index: open.index, item })];
      }
    }
  }

  /** Logprobs only when asked for (OpenAI sends an empty list otherwise). */
  private lp(logprobs: TokenLogprob[]): TokenLogprob[] | undefined {
    return this.ctx.wants.logprobs ? logprobs : undefined;
  }

  private at(open: Open): { item_id: string; output_index: number } {
    return { item_id: open.kind === "call" ? (open.item.id as string) : open.id, output_index: open.index };
  }

  private lifecycle(type: string): SseFrame {
    return this.event(type, { response: this.response() });
  }

  private event(type: string, fields: Record<string, unknown>): SseFrame {
    return { event: type, data: JSON.stringify({ type, sequence_number: this.seq++, ...fields }) };
  }
}
