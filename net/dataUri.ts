// data: URIs (RFC 2397) carried inline in a request: decoded here, never fetched.
import { FetchRefused, formatBytes } from "./errors.ts";

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface DataUri {
  /** Lower-cased, without parameters ("image/png"); "text/plain" when the URI names none. */
  mediaType: string;
  bytes: Uint8Array;
}

const invalid = (why: string) => new FetchRefused("data_uri_invalid", `invalid data URI: ${why}`);

export const isDataUri = (uri: string) => /^data:/i.test(uri);

export function parseDataUri(uri: string, options: { maxBytes?: number } = {}): DataUri {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!isDataUri(uri)) throw invalid("it does not start with data:");
  const comma = uri.indexOf(",");
  if (comma < 0) throw invalid("no comma before the data");
  const params = uri.slice(5, comma).split(";").map((p) => p.trim());
  const base64 = params.length > 1 && params.at(-1)!.toLowerCase() === "base64";
  const mediaType = (params[0] || "text/plain").toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) throw invalid(`bad media type "${mediaType.slice(0, 64)}"`);
  const body = uri.slice(comma + 1);
  const tooLarge = () => new FetchRefused("url_too_large", `too large: more than ${formatBytes(maxBytes)}`);

  if (!base64) {
    const bytes = percentDecode(body, maxBytes);
    if (bytes === null) throw tooLarge();
    return { mediaType, bytes };
  }

  const b64 = body.replace(/\s+|%0[aAdD]|%20/g, "");
  // Judge the size before decoding anything: 4 characters carry 3 bytes.
  const padding = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  if (Math.floor((b64.length * 3) / 4) - padding > maxBytes) throw tooLarge();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.length % 4 === 1) throw invalid("bad base64");
  return { mediaType, bytes: new Uint8Array(Buffer.from(b64, "base64")) };
}

// Percent-escapes are raw bytes (not necessarily UTF-8); other characters are UTF-8.
// Null once the bytes pass maxBytes.
function percentDecode(text: string, maxBytes: number): Uint8Array | null {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw invalid("bad percent-encoding");
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...utf8.encode(ch));
      i += ch.length - 1;
    }
    if (out.length > maxBytes) return null;
  }
  return new Uint8Array(out);
}
