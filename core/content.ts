// Conversation content as typed parts: every protocol's message shapes translate onto these.

export type Role = "system" | "user" | "assistant" | "tool";

export type TextPart = { type: "text"; text: string };

export type MediaKind = "image" | "audio";

/**
 * An image or audio clip as the client gave it: an http(s) URL or a data: URI (inline base64 is
 * turned into one). The engine fetches and checks it; `param` names the field for its 400s.
 */
export interface MediaPart {
  type: MediaKind;
  url: string;
  param: string;
  /** None: code that reads `.text` of any part sees undefined for media. */
  text?: undefined;
}

export type ContentPart = TextPart | MediaPart;

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

export const isMediaPart = (part: ContentPart): part is MediaPart => part.type !== "text";

/** The text of a message's parts, joined (media parts have none). */
export const partsText = (parts: ContentPart[]): string => parts.map((p) => (p.type === "text" ? p.text : "")).join("");

/** Every media part of a conversation, in prompt order. */
export const mediaParts = (messages: ChatMessage[]): MediaPart[] => messages.flatMap((m) => m.content.filter(isMediaPart));

/** A data: URI for inline base64 (Chat Completions input_audio, Anthropic base64 sources). */
export const base64DataUri = (mediaType: string, base64: string): string => `data:${mediaType};base64,${base64}`;
