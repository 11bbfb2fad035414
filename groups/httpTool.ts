// One server-run HTTP tool call: the model's arguments checked against the tool's schema, the
// URL template filled, secrets resolved, the request sent under the network rules (toolFetch.ts),
// and the answer turned into the text the model reads. Failures are results too: the model sees
// what went wrong (with the status) and may try again; nothing here throws.
import { schemaErrors } from "./jsonSchema.ts";
import { redact, type SecretStore } from "./secrets.ts";
import { fillUrl } from "./urlTemplate.ts";
import type { HttpTool } from "./types.ts";

/** What a tool request needs from the network layer. */
export interface ToolRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

export interface ToolResponse {
  status: number;
  /** The body as text, at most maxBytes of it. */
  text: string;
  /** The body was longer than maxBytes. */
  truncated: boolean;
}

/** Sends a tool request; throws an Error whose message says why it could not (refused, timed out, ...). */
export type ToolFetcher = (req: ToolRequest) => Promise<ToolResponse>;

export interface ToolResult {
  /** The call was made and answered 2xx. */
  ok: boolean;
  /** The HTTP status, when the service answered. */
  status?: number;
  /** What the model reads as the tool's result. */
  content: string;
}

export type Checked = { args: Record<string, unknown> } | { error: string };

/** The arguments parsed and checked against the tool's schema. */
export function checkArguments(tool: Pick<HttpTool, "parameters">, json: string): Checked {
  let args: unknown;
  try {
    args = json.trim() === "" ? {} : JSON.parse(json);
  } catch (error) {
    return { error: `error: the arguments are not valid JSON (${(error as Error).message})` };
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) return { error: "error: the arguments must be a JSON object" };
  const problems = schemaErrors(tool.parameters, args);
  return problems ? { error: `error: invalid arguments, the tool was not called: ${problems}` } : { args: args as Record<string, unknown> };
}

export async function runHttpTool(
  tool: HttpTool,
  args: Record<string, unknown>,
  deps: { secrets: SecretStore; fetch: ToolFetcher; signal?: AbortSignal },
): Promise<ToolResult> {
  const used = new Set<string>();
  let request: ToolRequest;
  try {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(tool.headers)) headers[key] = deps.secrets.fill(value, used);
    const url = deps.secrets.fill(fillUrl(tool.url, args), used);
    const body = tool.body === "arguments" ? JSON.stringify(args) : undefined;
    if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
    request = { url, method: tool.method, headers, body, timeoutMs: tool.timeoutMs, maxBytes: tool.maxResponseBytes, allowPrivate: tool.allowPrivate, signal: deps.signal };
  } catch (error) {
    return { ok: false, content: redact(`error: the tool could not be called: ${(error as Error).message}`, used) };
  }
  try {
    const response = await deps.fetch(request);
    const ok = response.status >= 200 && response.status < 300;
    const cut = response.truncated ? `\n[cut at ${tool.maxResponseBytes} bytes]` : "";
    return { ok, status: response.status, content: redact(`HTTP ${response.status}${ok ? "" : " (failed)"}\n${response.text}${cut}`, used) };
  } catch (error) {
    return { ok: false, content: redact(`error: the request failed: ${(error as Error).message}`, used) };
  }
}
