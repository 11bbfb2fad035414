// What the Responses API keeps between requests, behind a small interface: bun:sqlite is the
// embedded default (sqlite.ts); a shared database can implement the same interface later.
import type { ChatMessage } from "../core/index.ts";

export interface StoredResponse {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The response object as the API returns it (status, output, usage, echoed parameters). */
  response: Record<string, unknown>;
  /** This request's own input items, with their ids, for GET /v1/responses/{id}/input_items. */
  inputItems: Record<string, unknown>[];
  /** The whole conversation up to and including this response's output: what previous_response_id continues. */
  messages: ChatMessage[];
  /** Id of the token that created it (only that token and admins may read it); null when auth was off. */
  owner: string | null;
}

export interface ResponseStore {
  getResponse(id: string): StoredResponse | undefined;
  /** Inserts or replaces. */
  putResponse(record: StoredResponse): void;
  /** Whether it existed. */
  deleteResponse(id: string): boolean;
  /** A secret kept with the data (the key of encrypted reasoning): created on first use, then stable. */
  secret(name: string, create: () => Uint8Array): Uint8Array;
  close(): void;
}
