// GET /v1/responses/{id}?stream=true: a stored response told again as the events that built it
// (one delta per part), in the same order and shapes as a live stream.
import type { SseFrame } from "../http/sse.ts";
import type { Item } from "./toResponse.ts";

export function replayFrames(response: Item, startingAfter = -1): SseFrame[] {
  const frames: SseFrame[] = [];
  let seq = 0;
  const emit = (type: string, fields: Record<string, unknown>) => {
    const sequence_number = seq++;
    if (sequence_number > startingAfter) frames.push({ event: type, data: JSON.stringify({ type, sequence_number, ...fields }) });
  };
  const output = (response.output as Item[]) ?? [];
  emit("response.created", { response: { ...response, status: "in_progress", output: [], usage: null } });
  emit("response.in_progress", { response: { ...response, status: "in_progress", output: [], usage: null } });
  output.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index };
    switch (item.type) {
      case "message": {
        emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", content: [] } });
        (item.content as Item[]).forEach((part, content_index) => {
          emit("response.content_part.added", { ...at, content_index, part: { ...part, text: "" } });
          if (part.text) emit("response.output_text.delta", { ...at, content_index, delta: part.text, logprobs: part.logprobs ?? [] });
          emit("response.output_text.done", { ...at, content_index, text: part.text, logprobs: part.logprobs ?? [] });
          emit("response.content_part.done", { ...at, content_index, part });
        });
        break;
      }
      case "reasoning": {
        emit("response.output_item.added", { output_index, item: { id: item.id, type: "reasoning", summary: [] } });
        ((item.content as Item[] | undefined) ?? []).forEach((part, content_index) => {
          emit("response.content_part.added", { ...at, content_index, part: { ...part, text: "" } });
          emit("response.reasoning_text.delta", { ...at, content_index, delta: part.text });
          emit("response.reasoning_text.done", { ...at, content_index, text: part.text });
          emit("response.content_part.done", { ...at, content_index, part });
        });
        ((item.summary as Item[] | undefined) ?? []).forEach((part, summary_index) => {
          emit("response.reasoning_summary_part.added", { ...at, summary_index, part: { ...part, text: "" } });
          emit("response.reasoning_summary_text.delta", { ...at, summary_index, delta: part.text });
          emit("response.reasoning_summary_text.done", { ...at, summary_index, text: part.text });
          emit("response.reasoning_summary_part.done", { ...at, summary_index, part });
        });
        break;
      }
      case "function_call":
        emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", arguments: "" } });
        emit("response.function_call_arguments.delta", { ...at, delta: item.arguments });
        emit("response.function_call_arguments.done", { ...at, name: item.name, arguments: item.arguments });
        break;
      case "custom_tool_call":
        emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", input: "" } });
        emit("response.custom_tool_call_input.delta", { ...at, delta: item.input });
        emit("response.custom_tool_call_input.done", { ...at, input: item.input });
        break;
      default:
        emit("response.output_item.added", { output_index, item });
    }
    emit("response.output_item.done", { output_index, item });
  });
  // A response still in progress has no terminal event yet.
  const terminal = TERMINAL[response.status as string];
  if (terminal) emit(terminal, { response });
  return frames;
}

const TERMINAL: Record<string, string> = {
  completed: "response.completed",
  incomplete: "response.incomplete",
  failed: "response.failed",
  cancelled: "response.cancelled",
};
