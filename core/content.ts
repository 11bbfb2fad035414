// Conversation content as typed parts: every protocol's message shapes translate onto these.

export type Role = "system" | "user" | "assistant" | "tool";

/** Text now; image and audio parts join this union when media input lands. */
export type ContentPart = { type: "text"; text: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments object. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: ContentPart[];
  /** Assistant turns that called tools. */
  toolCalls?: ToolCall[];
  /** Tool results answer this call id. */
  toolCallId?: string;
  /** A tool result that reports a failure (Anthropic `is_error`). */
  isError?: boolean;
  /** Previous reasoning of an assistant turn, when the client sends it back. */
  reasoning?: string;
  /** Participant name; templates that know it print it. */
  name?: string;
}

export const textPart = (text: string): ContentPart => ({ type: "text", text });

/** The text of a message's parts, joined. */
export const partsText = (parts: ContentPart[]): string => parts.map((p) => p.text).join("");
