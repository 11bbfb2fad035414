// What a paused execution keeps until its approval comes back (stored as JSON in groups.sqlite).
import type { ChatMessage, ToolDefinition } from "../core/index.ts";

/** The mode an execution runs in once "auto" is decided. */
export type RunMode = "normal" | "orchestration" | "synthesis";

/** A call of a tool that needs approval: its arguments already checked against the schema. */
export interface PendingCall {
  /** The tool execution id (a UUID): the call's id in tool_calls and in the resume request. */
  id: string;
  name: string;
  arguments: string;
}

/** A call already answered: its result as the model will read it. */
export interface CallResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

export interface ExecutionState {
  /** The brain's conversation so far, ending with the assistant turn that made the calls. */
  messages: ChatMessage[];
  /** Calls of that turn already run (no approval needed, or refused arguments). */
  results: CallResult[];
  pending: PendingCall[];
  /** Calls of the client's own tools in that turn: their results come back with the resume. */
  clientCalls: string[];
  /** The client's tools, offered again when the execution continues. */
  clientTools: ToolDefinition[];
  mode: RunMode;
  /** Brain steps used so far (bounded per execution). */
  steps: number;
  requestId: string;
  tokenId?: string;
}
