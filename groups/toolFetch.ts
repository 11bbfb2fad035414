// Tool requests under the network rules of remote media (net/safeFetch.ts): only http(s), no
// private, loopback or metadata addresses on any hop unless the tool (or the server) allows them,
// a timeout for the whole call, a bounded body. Every status comes back: the model reads it.
import { safeFetch } from "../net/safeFetch.ts";
import type { ToolFetcher } from "./httpTool.ts";

/** A body up to this size (or the tool's limit, if larger) is read and cut to the limit; a larger one is refused. */
const READ_CAP = 4 * 1024 * 1024;

export function safeToolFetcher(options: { allowPrivateUrls?: boolean; ca?: string | string[] } = {}): ToolFetcher {
  return async (req) => {
    const result = await safeFetch(req.url, {
      what: "tool URL",
      method: req.method,
      headers: req.headers,
      body: req.body,
      timeoutMs: req.timeoutMs,
      maxBytes: Math.max(req.maxBytes, READ_CAP),
      allowPrivate: req.allowPrivate || options.allowPrivateUrls === true,
      acceptAnyStatus: true,
      signal: req.signal,
      ca: options.ca,
    });
    const truncated = result.bytes.byteLength > req.maxBytes;
    const bytes = truncated ? result.bytes.subarray(0, req.maxBytes) : result.bytes;
    // A cut may split a character: decoding replaces the broken tail, never throws.
    return { status: result.status, text: new TextDecoder().decode(bytes), truncated };
  };
}
