// Fetching what a request points at (media URLs now, server-run HTTP tools later) under the
// server's network rules.
export { classifyAddress, isPublicAddress, type AddressClass } from "./addresses.ts";
export { isDataUri, parseDataUri, type DataUri } from "./dataUri.ts";
export { FetchError, FetchFailed, FetchRefused, type FetchErrorCode } from "./errors.ts";
export { loadMedia, type Media, type MediaKind, type RemoteMediaPolicy } from "./media.ts";
export type { Resolver } from "./resolveHost.ts";
export { safeFetch, type SafeFetchOptions, type SafeFetchResult } from "./safeFetch.ts";
export { sniffMediaType, type SniffedType } from "./sniff.ts";
