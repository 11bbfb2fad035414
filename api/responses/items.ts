// Responses input items -> core ChatMessages. Pure. Function calls and their results pair up by
// call_id; a reasoning item belongs to the assistant turn that follows it.
import type { ChatMessage, ContentPart, ToolCall } from "../../core/index.ts";
import { badRequest, unsupportedParameter } from "../http/errors.ts";
import { CUSTOM_INPUT, qualifiedName } from "./tools.ts";

type Raw = Record<string, unknown>;

/** Turns a reasoning item's encrypted_content back into text when this server wrote it. */
export type ReasoningRestorer = (encrypted: string) => string | undefined;

/** Input items with ids filled in (as GET input_items lists them) and the messages they make. */
export interface ConvertedInput {
  items: Raw[];
  messages: ChatMessage[];
}

const ID_PREFIX: Record<string, string> = {
  message: "msg_",
  function_call: "fc_",
  function_call_output: "fco_",
  custom_tool_call: "ctc_",
  custom_tool_call_output: "ctco_",
  reasoning: "rs_",
};

export const newId = (prefix: string) => prefix + crypto.randomUUID().replaceAll("-", "");

export function convertInput(input: string | Raw[] | null | undefined, restore: ReasoningRestorer): ConvertedInput {
  if (input == null) return { items: [], messages: [] };
  if (typeof input === "string") {
    const item = { id: newId("msg_"), type: "message", role: "user", content: [{ type: "input_text", text: input }] };
    return { items: [item], messages: [{ role: "user", content: [{ type: "text", text: input }] }] };
  }
  const messages: ChatMessage[] = [];
  let reasoning: string | undefined;
  const items = input.map((raw, i) => {
    const at = `input[${i}]`;
    const type = (raw.type ?? (raw.role !== undefined ? "message" : undefined)) as string | undefined;
    if (type === undefined) throw badRequest(`Missing required parameter: '${at}.type'.`, `${at}.type`, "missing_required_parameter");
    const item = { ...raw, type, id: typeof raw.id === "string" ? raw.id : newId(ID_PREFIX[type] ?? "item_") };
    switch (type) {
      case "message": {
        const role = roleOf(raw.role, at);
        const content = toParts(raw.content, at);
        if (role === "assistant") {
          messages.push({ role, content, ...(reasoning ? { reasoning } : {}) });
          reasoning = undefined;
        } else messages.push({ role, content });
        break;
      }
      case "function_call":
        addCall(messages, callOf(raw, at, String(raw.arguments ?? "")), reasoning);
        reasoning = undefined;
        break;
      case "custom_tool_call":
        addCall(messages, callOf(raw, at, JSON.stringify({ [CUSTOM_INPUT]: String(raw.input ?? "") })), reasoning);
        reasoning = undefined;
        break;
      case "function_call_output":
      case "custom_tool_call_output":
        messages.push({ role: "tool", toolCallId: requireString(raw.call_id, `${at}.call_id`), content: outputParts(raw.output, at) });
        break;
      case "reasoning":
        reasoning = reasoningText(raw, restore) ?? reasoning;
        break;
      default:
        throw unsupportedParameter(`${at}.type`, `Input item type '${type}'`);
    }
    return item;
  });
  return { items, messages };
}

function roleOf(role: unknown, at: string): ChatMessage["role"] {
  if (role === "user" || role === "assistant" || role === "system") return role;
  if (role === "developer") return "system";
  if (role === undefined) throw badRequest(`Missing required parameter: '${at}.role'.`, `${at}.role`, "missing_required_parameter");
  throw badRequest(`Invalid value for '${at}.role': expected user, assistant, system or developer.`, `${at}.role`, "invalid_value");
}

function toParts(content: unknown, at: string, field = "content"): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) throw badRequest(`Invalid type for '${at}.${field}': expected string or array.`, `${at}.${field}`, "invalid_type");
  return content.map((part: Raw, j) => {
    const where = `${at}.${field}[${j}]`;
    if (part?.type === "input_text" || part?.type === "output_text" || part?.type === "text")
      return { type: "text", text: requireString(part.text, `${where}.text`) };
    if (part?.type === "refusal") return { type: "text", text: requireString(part.refusal, `${where}.refusal`) };
    if (part?.type === "input_image") return imagePart(part, where);
    throw unsupportedParameter(`${where}.type`, `Content part type '${String(part?.type)}'`);
  });
}

const IMAGE_DETAILS = new Set(["auto", "low", "high"]);

/** `input_image`: image_url is an http(s) URL or a data: URI (fetched by the engine); file_id is not
 *  served here. `detail` is checked, then ignored: the projector decides the resolution. */
function imagePart(part: Raw, where: string): ContentPart {
  if (part.file_id != null) throw unsupportedParameter(`${where}.file_id`, "input_image file_id (this server has no file store; send image_url)");
  if (part.detail != null && !(typeof part.detail === "string" && IMAGE_DETAILS.has(part.detail)))
    throw badRequest(`Invalid value for '${where}.detail': expected auto, low or high.`, `${where}.detail`, "invalid_value");
  const url = requireString(part.image_url, `${where}.image_url`);
  return { type: "image", url, param: `${where}.image_url` };
}

/** A tool result: a string, or text parts (other parts need media input). */
const outputParts = (output: unknown, at: string) => toParts(output, at, "output");

function callOf(raw: Raw, at: string, args: string): ToolCall {
  const name = requireString(raw.name, `${at}.name`);
  return { id: requireString(raw.call_id, `${at}.call_id`), name: qualifiedName(raw.namespace as string | undefined, name), arguments: args };
}

/** Calls of one turn join the assistant message just before them (text, then calls). */
function addCall(messages: ChatMessage[], call: ToolCall, reasoning: string | undefined): void {
  const last = messages.at(-1);
  if (last?.role === "assistant") {
    (last.toolCalls ??= []).push(call);
    if (reasoning && !last.reasoning) last.reasoning = reasoning;
    return;
  }
  messages.push({ role: "assistant", content: [], toolCalls: [call], ...(reasoning ? { reasoning } : {}) });
}

/** Our own encrypted_content first, then raw reasoning_text content; a foreign summary is not the reasoning. */
function reasoningText(raw: Raw, restore: ReasoningRestorer): string | undefined {
  if (typeof raw.encrypted_content === "string") {
    const text = restore(raw.encrypted_content);
    if (text !== undefined) return text;
  }
  if (Array.isArray(raw.content)) {
    const text = (raw.content as Raw[]).filter((c) => c?.type === "reasoning_text").map((c) => String(c.text ?? "")).join("");
    if (text) return text;
  }
  return undefined;
}

function requireString(value: unknown, param: string): string {
  if (typeof value === "string") return value;
  if (value === undefined) throw badRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
  throw badRequest(`Invalid type for '${param}': expected string.`, param, "invalid_type");
}
