// GET with the hub's manners: redirects followed by hand (the hub's first answer carries the
// file's sha256 in X-Linked-Etag; the token never follows a redirect to another origin), and
// every failure turned into a one-line DownloadError.
import { DownloadError } from "./errors.ts";

export interface HttpContext {
  fetch: typeof fetch;
  /** Sent as a Bearer token, only to the hub's origin. */
  token?: string;
  /** Origin of the hub endpoint: decides where the token goes and how a 404 reads. */
  hubOrigin: string;
  signal?: AbortSignal;
}

export interface Fetched {
  /** The final, non-redirect answer, and the URL that gave it. */
  response: Response;
  url: string;
  /** X-Linked-Etag of any hop, unquoted: the hub's sha256 of an LFS file. */
  linkedEtag?: string;
  /** X-Linked-Size of any hop: the file's size before a CDN redirect. */
  linkedSize?: number;
}

const MAX_REDIRECTS = 10;

export async function get(url: string, ctx: HttpContext, headers: Record<string, string> = {}, signal = ctx.signal): Promise<Fetched> {
  let current = url;
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = new URL(current);
    const sent: Record<string, string> = { "user-agent": "bunllama", ...headers };
    if (ctx.token && target.origin === ctx.hubOrigin) sent.authorization = `Bearer ${ctx.token}`;
    let response: Response;
    try {
      response = await ctx.fetch(current, { headers: sent, redirect: "manual", signal });
    } catch (error) {
      throw networkError(current, error, ctx.signal);
    }
    linkedEtag ??= unquote(response.headers.get("x-linked-etag"));
    linkedSize ??= toSize(response.headers.get("x-linked-size"));
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).href;
      continue;
    }
    return { response, url: current, linkedEtag, linkedSize };
  }
  throw new DownloadError("http", `too many redirects from ${url}`);
}

/** A GET that must answer 2xx; its body is left unread. */
export async function getOk(url: string, ctx: HttpContext, headers: Record<string, string> = {}): Promise<Fetched> {
  const fetched = await get(url, ctx, headers);
  if (!fetched.response.ok) {
    await fetched.response.body?.cancel();
    throw statusError(fetched.response, url, ctx, fetched.url);
  }
  return fetched;
}

/** The error for a non-2xx answer to `url` (given by `answeredBy`, after redirects). */
export function statusError(response: Response, url: string, ctx: HttpContext, answeredBy = url): DownloadError {
  const status = response.status;
  const hub = new URL(url).origin === ctx.hubOrigin;
  if (status === 404) return new DownloadError("not_found", hub ? `not found on the hub: ${url}` : `not found (404): ${url}`, { status });
  if (status === 401 || status === 403) {
    const hint = !hub
      ? "the server refused access"
      : ctx.token
        ? "HF_TOKEN was sent but cannot read it (a gated repo whose terms are not accepted, or the repo does not exist)"
        : "the repo may be private or gated, or may not exist: a token may be needed (set HF_TOKEN)";
    return new DownloadError("unauthorized", `access denied (${status}) to ${url}: ${hint}`, { status });
  }
  const reason = response.headers.get("x-error-message");
  return new DownloadError("http", `${new URL(answeredBy).host} answered ${status}${reason ? ` (${oneLine(reason)})` : ""} for ${url}`, { status });
}

/** A fetch that threw before an answer: cancelled, or the host could not be reached. */
export function networkError(url: string, error: unknown, signal?: AbortSignal): DownloadError {
  if (signal?.aborted) return new DownloadError("cancelled", "pull cancelled", { cause: error });
  const host = new URL(url).host;
  const code = (error as { code?: unknown })?.code;
  const detail = typeof code === "string" && code !== "" ? code : oneLine(String((error as Error)?.message ?? error));
  // A refused connection or an unknown host fails at once; a reset or a timeout may pass.
  const retryable = /RESET|TIMEDOUT|PIPE|ABORTED/i.test(detail);
  return new DownloadError("network", `cannot reach ${host} (${detail}): no network?`, { cause: error, retryable });
}

function unquote(value: string | null): string | undefined {
  if (!value) return undefined;
  return value.replace(/^W\//, "").replace(/^"|"$/g, "");
}

function toSize(value: string | null): number | undefined {
  const n = value === null ? NaN : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** A 64-hex sha256 from an ETag-like value, or undefined (git blob ids and S3 etags are not). */
export function sha256FromEtag(value: string | null | undefined): string | undefined {
  const v = unquote(value ?? null)?.toLowerCase();
  return v && /^[0-9a-f]{64}$/.test(v) ? v : undefined;
}
