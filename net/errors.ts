// Errors of a server-side fetch. Refused: a rule of ours said no (scheme, address, size, type,
// redirects, switched off). Failed: the remote side did not deliver (DNS, network, timeout,
// HTTP status). Both are the client's problem (its URL), so both carry kind "invalid_request"
// (a 400 in every protocol); `code` names the rule for logs and for tool results.
import type { ErrorKind } from "../core/index.ts";

export type FetchErrorCode =
  | "url_invalid"
  | "url_scheme"
  | "url_private_address"
  | "remote_fetch_disabled"
  | "url_too_large"
  | "url_content_type"
  | "url_redirects"
  | "url_timeout"
  | "url_dns"
  | "url_network"
  | "url_http_status"
  | "data_uri_invalid";

export abstract class FetchError extends Error {
  readonly kind: ErrorKind = "invalid_request";
  constructor(
    readonly code: FetchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class FetchRefused extends FetchError {
  override name = "FetchRefused";
}

export class FetchFailed extends FetchError {
  override name = "FetchFailed";
}

/** "20 MiB", "512 KiB", "300 bytes": limits as an operator wrote them. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} bytes`;
}

/** "10 s", "0.25 s". */
export const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;
