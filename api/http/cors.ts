// CORS for browser clients (--cors): the allowed origins get Access-Control-* headers on every
// answer (streams and errors included), and preflights are answered before routing (204).
import { Elysia } from "elysia";

/** The headers the SDKs send: auth, Anthropic's version and betas, JSON bodies. */
const ALLOWED_HEADERS = ["authorization", "x-api-key", "anthropic-version", "anthropic-beta", "content-type"];
const ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
/** Seconds a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE = "600";

export interface CorsOptions {
  /** Allowed origins ("https://app.example"), or ["*"] for any; empty = CORS off. */
  origins: string[];
}

export function cors({ origins }: CorsOptions) {
  const any = origins.includes("*");
  const allowed = new Set(origins.map((o) => o.toLowerCase().replace(/\/+$/, "")));

  /** The Access-Control-Allow-Origin value for this request's origin, if it is allowed. */
  const allowOrigin = (origin: string | null): string | undefined => {
    if (!origin) return undefined;
    if (any) return "*";
    return allowed.has(origin.toLowerCase()) ? origin : undefined;
  };

  return new Elysia({ name: "cors", seed: origins }).onRequest(({ request, set }) => {
    const origin = allowOrigin(request.headers.get("origin"));
    const preflight = request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (preflight) return new Response(null, { status: 204, headers: origin ? preflightHeaders(origin, any, request) : {} });
    if (!origin) return;
    set.headers["access-control-allow-origin"] = origin;
    // Clients read Retry-After and request ids; nothing is sent with cookies, so "*" is valid.
    set.headers["access-control-expose-headers"] = "*";
    if (!any) set.headers.vary = "Origin";
  }).as("global");
}

function preflightHeaders(origin: string, any: boolean, request: Request): Record<string, string> {
  // The SDKs add headers of their own (x-stainless-*): the ones a preflight names are allowed too.
  const requested = (request.headers.get("access-control-request-headers") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const headers: Record<string, string> = {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": [...new Set([...ALLOWED_HEADERS, ...requested])].join(", "),
    "access-control-max-age": PREFLIGHT_MAX_AGE,
  };
  if (!any) headers.vary = "Origin";
  return headers;
}
