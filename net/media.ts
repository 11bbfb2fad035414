// An image or audio clip given by URL in a request: a data: URI decoded in place, an http(s) URL
// fetched under the remote-media policy (the server's flags), anything else refused.
import { isDataUri, parseDataUri } from "./dataUri.ts";
import { FetchRefused } from "./errors.ts";
import type { Resolver } from "./resolveHost.ts";
import { safeFetch } from "./safeFetch.ts";
import { sniffMediaType } from "./sniff.ts";

export type MediaKind = "image" | "audio";

export interface RemoteMediaPolicy {
  /** False with --no-remote-media: only data: URIs (and inline base64) are taken. */
  remote: boolean;
  /** --allow-private-urls. */
  allowPrivate: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Tests only. */
  resolve?: Resolver;
  ca?: string | string[];
}

export interface Media {
  /** "image/png", "audio/wav"... */
  mediaType: string;
  bytes: Uint8Array;
}

const EXPECTED: Record<MediaKind, string> = { image: "an image", audio: "audio" };

export async function loadMedia(url: string, kind: MediaKind, policy: RemoteMediaPolicy, signal?: AbortSignal): Promise<Media> {
  if (isDataUri(url)) {
    const { mediaType, bytes } = parseDataUri(url, { maxBytes: policy.maxBytes });
    if (mediaType.startsWith(`${kind}/`)) return { mediaType, bytes };
    const sniffed = mediaType === "application/octet-stream" ? sniffMediaType(bytes) : null;
    if (sniffed?.startsWith(`${kind}/`)) return { mediaType: sniffed, bytes };
    throw new FetchRefused("url_content_type", `not ${EXPECTED[kind]}: data URI of type ${mediaType}`);
  }
  if (/^https?:/i.test(url) && !policy.remote) {
    throw new FetchRefused("remote_fetch_disabled", "fetching remote media is switched off (--no-remote-media)");
  }
  const result = await safeFetch(url, {
    what: "media URL",
    allowPrivate: policy.allowPrivate,
    timeoutMs: policy.timeoutMs,
    maxBytes: policy.maxBytes,
    maxRedirects: policy.maxRedirects,
    accept: [`${kind}/`],
    expected: EXPECTED[kind],
    acceptOctetStream: true,
    signal,
    resolve: policy.resolve,
    ca: policy.ca,
  });
  return { mediaType: result.contentType, bytes: result.bytes };
}
