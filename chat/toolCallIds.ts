// Mistral's templates reject tool-call ids that are not exactly 9 alphanumerics. Clients may
// send back ids from elsewhere ("call_1"), so such ids are mapped, consistently within the
// conversation, to 9 alphanumerics derived from the original.
import type { ChatMessage } from "../core/index.ts";

const NINE_ALPHANUMERICS = /^[A-Za-z0-9]{9}$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Whether a template insists on 9-character ids (its raise_exception says so). */
export function templateWantsNineCharIds(templateSource: string): boolean {
  return /length 9/.test(templateSource);
}

function nineCharId(id: string): string {
  let hash = BigInt(Bun.hash(id));
  let out = "";
  for (let i = 0; i < 9; i++) {
    out += ALPHABET[Number(hash % 62n)];
    hash /= 62n;
  }
  return out;
}

export function withNineCharToolCallIds(messages: ChatMessage[]): ChatMessage[] {
  const map = (id: string) => (NINE_ALPHANUMERICS.test(id) ? id : nineCharId(id));
  return messages.map((message) => ({
    ...message,
    toolCalls: message.toolCalls?.map((call) => ({ ...call, id: map(call.id) })),
    toolCallId: message.toolCallId === undefined ? undefined : map(message.toolCallId),
  }));
}
