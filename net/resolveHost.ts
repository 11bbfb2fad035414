// The address a fetch connects to: the URL's host resolved here (not by fetch), every address it
// resolves to checked against the address rules, one of them returned so the caller connects to
// exactly what was checked (a DNS answer that changes between check and connect cannot matter).
import { lookup } from "node:dns/promises";
import { type AddressClass, classifyAddress, parseIPv4 } from "./addresses.ts";
import { FetchFailed, FetchRefused } from "./errors.ts";

/** Host name → its addresses. Injectable so tests can give a public-looking name a local address. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface ResolveOptions {
  allowPrivate: boolean;
  resolve: Resolver;
  /** The noun in messages: "media URL", "tool URL". */
  what: string;
  signal: AbortSignal;
  /** Tests only: addresses the rules let through as if public (a local server playing a public host). */
  treatAsPublic?: readonly string[];
}

/** The IP literal in a URL's hostname ("[::1]" → "::1"), or null for a name. */
export function ipLiteral(hostname: string): string | null {
  if (hostname.startsWith("[")) return hostname.slice(1, -1);
  return parseIPv4(hostname) === null ? null : hostname;
}

export async function resolveHost(url: URL, options: ResolveOptions): Promise<string> {
  const literal = ipLiteral(url.hostname);
  const addresses = literal === null ? await lookupAll(url.hostname, options) : [literal];
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const cls = classifyAddress(address);
      if (cls !== null && !options.treatAsPublic?.includes(address)) throw refusal(options.what, cls, address);
    }
  }
  // IPv4 first: a host without IPv6 routes is the commoner case, and there is no happy eyeballs here.
  return addresses.find((a) => parseIPv4(a) !== null) ?? addresses[0]!;
}

async function lookupAll(host: string, options: ResolveOptions): Promise<string[]> {
  const name = host.replace(/\.$/, "");
  let addresses: string[];
  try {
    addresses = await abortable(options.resolve(name), options.signal);
  } catch (e) {
    if (options.signal.aborted) throw e;
    throw new FetchFailed("url_dns", `cannot resolve the host of the ${options.what} (${name}): ${errorCode(e)}`);
  }
  if (addresses.length === 0) throw new FetchFailed("url_dns", `the host of the ${options.what} (${name}) resolves to no address`);
  return addresses;
}

function refusal(what: string, cls: AddressClass, address: string): FetchRefused {
  const hint = "start the server with --allow-private-urls to allow it";
  if (cls === "not an IP") return new FetchRefused("url_private_address", `refused: ${what} resolves to something that is not an IP address (${address})`);
  const article = /^(unspecified|[aeio])/.test(cls) ? "an" : "a";
  return new FetchRefused("url_private_address", `refused: ${what} resolves to ${article} ${cls} address (${address}); ${hint}`);
}

// node:dns lookups cannot be cancelled: stop waiting for one when the transfer's time is up.
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export const errorCode = (e: unknown): string =>
  (e as { code?: string })?.code ?? (e instanceof Error ? e.message : String(e));
