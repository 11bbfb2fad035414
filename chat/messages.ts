// ChatMessage -> the message shape Hugging Face chat templates expect.
import type { ChatMessage } from "../core/index.ts";

export type TemplateMessage = Record<string, unknown> & { role: string; content: string | null };

export interface ShapeOptions {
  /** Pass tool-call arguments as a parsed object (most templates) or as the JSON text. */
  objectArguments: boolean;
  /** The template rejects a system role: merge the leading system message into the next one. */
  mergeSystem: boolean;
  /** Content of an assistant turn with tool calls and no text. */
  toolCallContent: "" | null;
}

/**
 * libmtmd's default media marker (mtmd_default_marker): each image or audio part renders as this
 * text, and the runner's mtmd_tokenize puts the media (with the model's own image or audio
 * tokens around it) where it stands, as llama-server does.
 */
export const MEDIA_MARKER = "<__media__>";

const partText = (part: ChatMessage["content"][number]): string => (part.type === "text" ? part.text : MEDIA_MARKER);

/** Parts joined with "\n", as llama-server does; media parts as the marker. */
export function joinText(message: ChatMessage): string {
  const parts = message.content;
  if (parts.length === 1) return partText(parts[0]!);
  return parts.map(partText).join("\n");
}

function parseArguments(json: string): unknown {
  try {
    const value = JSON.parse(json);
    // Templates iterate arguments as a mapping; anything else stays the raw text.
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : json;
  } catch {
    return json; // invalid JSON the client sent back: keep it verbatim
  }
}

export function toTemplateMessages(messages: ChatMessage[], opts: ShapeOptions): TemplateMessage[] {
  const toolNames = new Map<string, string>();
  const out: TemplateMessage[] = [];
  for (const m of messages) {
    // Keys are omitted rather than set to undefined: templates test `'key' in message`.
    const msg: TemplateMessage = { role: m.role, content: joinText(m) };
    if (m.role === "assistant" && m.toolCalls?.length) {
      msg.tool_calls = m.toolCalls.map((c) => {
        toolNames.set(c.id, c.name);
        const args = opts.objectArguments ? parseArguments(c.arguments) : c.arguments;
        return { id: c.id, type: "function", function: { name: c.name, arguments: args } };
      });
      if (msg.content === "") msg.content = opts.toolCallContent;
    }
    if (m.reasoning) msg.reasoning_content = m.reasoning;
    if (m.name) msg.name = m.name;
    // Templates have no field for a failed tool result: say it in the text the model reads.
    if (m.role === "tool" && m.isError) msg.content = `Error: ${msg.content ?? ""}`;
    if (m.role === "tool" && m.toolCallId !== undefined) {
      msg.tool_call_id = m.toolCallId;
      // Some templates label tool results with the function name; recover it from the call.
      const name = toolNames.get(m.toolCallId);
      if (name !== undefined && !m.name) msg.name = name;
    }
    out.push(msg);
  }
  if (opts.mergeSystem && out.length > 0 && out[0]!.role === "system") {
    const [system, next] = out;
    out.shift();
    // Same merge as llama-server; a lone system message is dropped.
    if (next) next.content = system!.content + "\n" + (next.content ?? "");
  }
  return out;
}
