// A group: a configured assistant addressed as `model: "group:<uuid>"`. A brain model, optional
// agents, HTTP tools the server runs itself, and text resources given to the model as context.

export type GroupMode = "auto" | "normal" | "orchestration" | "synthesis";
export const GROUP_MODES: readonly GroupMode[] = ["auto", "normal", "orchestration", "synthesis"];

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export const HTTP_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export interface GroupAgent {
  /** Letters, digits, `_` and `-`: offered to the brain as the tool `ask_<name>`. */
  name: string;
  /** A model id or alias. */
  model: string;
  /** The agent's system instruction. */
  instruction: string;
}

export interface HttpTool {
  /** The function name the model calls. */
  name: string;
  description?: string;
  /** JSON schema of the arguments object; the server validates the model's arguments against it. */
  parameters: Record<string, unknown>;
  method: HttpMethod;
  /** `https://host/path/{arg}`: each `{arg}` is replaced by the argument, URL-encoded. */
  url: string;
  /** Values may hold `{{secret:NAME}}`, filled from the secret store when the call runs. */
  headers: Record<string, string>;
  /** Sent as JSON: the arguments (default for POST/PUT/PATCH), or none. */
  body: "arguments" | "none";
  timeoutMs: number;
  maxResponseBytes: number;
  /** "required": the execution pauses until a person approves the call (POST /v1/chat/resume). */
  approval: "required" | "never";
  /** Loopback and private addresses allowed for this tool (an internal service). */
  allowPrivate: boolean;
}

export interface GroupResource {
  name: string;
  /** The content, read from `path` when the config gave one. */
  text: string;
  /** Where the text came from (config file only). */
  path?: string;
}

export interface GroupSpec {
  name: string;
  /** The main model: a model id or alias. */
  brain: string;
  agents: GroupAgent[];
  defaultMode: GroupMode;
  /** The brain's system instruction. */
  instruction: string;
  tools: HttpTool[];
  resources: GroupResource[];
  /**
   * Tool choice of the brain's first step: "auto" (default), "required", or a tool's name. Lets
   * an operator (and tests on random-weight models) make the first step call a tool.
   */
  forceTool: "auto" | "required" | { name: string };
  /** Seconds a paused execution waits for its approval; undefined = the server's default. */
  approvalTtlSeconds?: number;
}

export interface Group extends GroupSpec {
  /** A UUID: the group is addressed as `group:<id>`. */
  id: string;
  /** "config": from the models config file, replaced at each start and read-only through the API. */
  source: "config" | "api";
  createdAt: number;
  updatedAt: number;
}

export const GROUP_PREFIX = "group:";

/** Limits on what a group may hold. */
export const LIMITS = {
  /** Bytes of one resource's text. */
  resourceBytes: 64 * 1024,
  /** Bytes of all resources of a group together. */
  resourcesBytes: 256 * 1024,
  tools: 64,
  agents: 16,
  defaultTimeoutMs: 10_000,
  maxTimeoutMs: 120_000,
  defaultResponseBytes: 64 * 1024,
  maxResponseBytes: 1024 * 1024,
} as const;
