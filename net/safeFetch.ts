// Fetching a URL a client (or a model's tool call) gave us, without letting it reach the network
// the server runs in. Each hop (the URL, then every redirect, followed by hand) is resolved here
// and checked (resolveHost.ts), and the request goes to the checked IP itself: the URL's host is
// replaced by the address, the Host header and (https) the TLS server name keep the real name, so
// the certificate is still verified against that name and DNS is never asked twice.
// The size limit counts decompressed bytes (fetch decodes gzip/br), so a small compressed bomb is
// cut off like any other body.
import { DEFAULT_MAX_BYTES } from "./dataUri.ts";
import { FetchFailed, FetchRefused, formatBytes, formatSeconds } from "./errors.ts";
import { readLimited } from "./readLimited.ts";
import { errorCode, ipLiteral, type Resolver, resolveHost, systemResolver } from "./resolveHost.ts";
import { sniffMediaType } from "./sniff.ts";

export interface SafeFetchOptions {
  /** The noun in messages ("media URL", "tool URL"). Default "URL". */
  what?: string;
  /** Skip the address rules (--allow-private-urls). */
  allowPrivate?: boolean;
  /** Default 3. */
  maxRedirects?: number;
  /** For the whole transfer: DNS, every hop, the body. Default 10 000. */
  timeoutMs?: number;
  /** Default 20 MiB. */
  maxBytes?: number;
  /** Content-type prefixes accepted ("image/"); absent: any type. */
  accept?: readonly string[];
  /** What `accept` means, for messages ("an image"). Default "an accepted type". */
  expected?: string;
  /** Also accept application/octet-stream (or no type) when the bytes sniff as an accepted type. */
  acceptOctetStream?: boolean;
  /** Return non-2xx answers instead of failing (tool calls report them to the model). */
  acceptAnyStatus?: boolean;
  method?: string;
  /** Sent to the first origin only: dropped when a redirect leaves it (they may carry secrets). */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Extra CA certificates (PEM) to trust: a corporate CA, a test server's own. */
  ca?: string | string[];
  /** Tests only: name resolution (default: the system resolver). */
  resolve?: Resolver;
  /** Tests only: addresses treated as public, so a local server can play a public host. */
  treatAsPublic?: readonly string[];
}

export interface SafeFetchResult {
  bytes: Uint8Array;
  /** Lower-cased, without parameters; the sniffed type when the server said octet-stream. */
  contentType: string;
  /** The URL after redirects. */
  finalUrl: string;
  status: number;
  headers: Headers;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const OCTET_STREAM = new Set(["", "application/octet-stream", "binary/octet-stream"]);

export async function safeFetch(input: string | URL, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
  const what = options.what ?? "URL";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetchHops(checkUrl(input, what), options, what, signal);
  } catch (e) {
    if (timeout.aborted && !options.signal?.aborted) {
      throw new FetchFailed("url_timeout", `timed out after ${formatSeconds(timeoutMs)} fetching the ${what}`);
    }
    throw e;
  }
}

async function fetchHops(first: URL, options: SafeFetchOptions, what: string, signal: AbortSignal): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? 3;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const tooLarge = () => new FetchRefused("url_too_large", `too large: more than ${formatBytes(maxBytes)}`);
  let url = first;
  let method = options.method ?? "GET";
  let body = options.body;
  let headers = options.headers ?? {};

  for (let hop = 0; ; hop++) {
    const address = await resolveHost(url, {
      allowPrivate: options.allowPrivate ?? false,
      resolve: options.resolve ?? systemResolver,
      what,
      signal,
      treatAsPublic: options.treatAsPublic,
    });
    const response = await send(url, address, { method, headers, body, signal, ca: options.ca }, what);
    const location = response.headers.get("location");

    if (REDIRECTS.has(response.status) && location !== null) {
      await response.body?.cancel().catch(() => {});
      if (hop >= maxRedirects) throw new FetchRefused("url_redirects", `too many redirects (more than ${maxRedirects})`);
      const next = checkUrl(safeUrl(location, url, what), what);
      if (next.origin !== url.origin) headers = {};
      // What browsers do: 303 always, 301/302 after a POST, turn into a GET without a body.
      if (response.status === 303 || (response.status !== 307 && response.status !== 308 && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
      }
      url = next;
      continue;
    }

    if (!response.ok && !options.acceptAnyStatus) {
      await response.body?.cancel().catch(() => {});
      const text = response.statusText ? ` ${response.statusText}` : "";
      throw new FetchFailed("url_http_status", `the ${what} answered HTTP ${response.status}${text}`);
    }

    const declared = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const accepted = (type: string) => !options.accept || options.accept.some((p) => type.startsWith(p));
    const sniff = !accepted(declared) && options.acceptOctetStream === true && OCTET_STREAM.has(declared);
    const expected = options.expected ?? "an accepted type";
    if (!accepted(declared) && !sniff) {
      await response.body?.cancel().catch(() => {});
      throw new FetchRefused("url_content_type", `not ${expected}: content-type ${declared || "(none)"}`);
    }

    const length = Number(response.headers.get("content-length") ?? NaN);
    if (length > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    const bytes = await readLimited(response.body, maxBytes, tooLarge);

    let contentType = declared;
    if (sniff) {
      const sniffed = sniffMediaType(bytes);
      if (sniffed === null || !accepted(sniffed)) {
        const found = sniffed ? `they are ${sniffed}` : "they match no known format";
        throw new FetchRefused("url_content_type", `not ${expected}: content-type ${declared || "(none)"} and ${found}`);
      }
      contentType = sniffed;
    }
    return { bytes, contentType, finalUrl: url.href, status: response.status, headers: response.headers };
  }
}

interface SendInit {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  signal: AbortSignal;
  ca: string | string[] | undefined;
}

// One request to the checked address. No proxy: a proxy would resolve the name again itself.
async function send(url: URL, address: string, init: SendInit, what: string): Promise<Response> {
  const target = new URL(url);
  const headers = new Headers(init.headers);
  const named = ipLiteral(url.hostname) === null;
  if (named) {
    target.hostname = address.includes(":") ? `[${address}]` : address;
    headers.set("host", url.host);
  }
  const tls = url.protocol === "https:" ? { ca: init.ca, serverName: named ? url.hostname.replace(/\.$/, "") : undefined } : undefined;
  try {
    return await fetch(target, {
      method: init.method,
      headers,
      body: init.body,
      redirect: "manual",
      signal: init.signal,
      proxy: false,
      tls,
    } as BunFetchRequestInit);
  } catch (e) {
    if (init.signal.aborted) throw e;
    throw new FetchFailed("url_network", `cannot fetch the ${what} (${url.host}): ${errorCode(e)}`);
  }
}

function checkUrl(input: string | URL, what: string): URL {
  const url = typeof input === "string" ? safeUrl(input, undefined, what) : new URL(input);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new FetchRefused("url_scheme", `refused: the ${what} must be http or https, not ${url.protocol.replace(/:$/, "")}`);
  }
  return url;
}

function safeUrl(text: string, base: URL | undefined, what: string): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new FetchRefused("url_invalid", `the ${what} is not a valid URL`);
  }
}
