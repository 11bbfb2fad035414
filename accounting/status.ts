// The HTTP status a client got for an engine error, in its protocol's own mapping (Anthropic's
// overloaded is 529 where OpenAI's is 503): the ledger records what the client saw.
import type { EngineErrorInfo } from "../core/index.ts";
import { anthropicError } from "../api/anthropic/errors.ts";
import { STATUS } from "../api/openai/errors.ts";

/** nginx's "client closed request": the client went away before the end. */
export const CLIENT_CLOSED = 499;

export function errorStatus(endpoint: string, error: EngineErrorInfo): number {
  return endpoint === "messages" ? anthropicError(error).status : STATUS[error.kind];
}
