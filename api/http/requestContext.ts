// Per-request facts that several layers need (the auth plugin sets the token; routes read the ids
// into GenerateRequest.caller; every response echoes x-request-id), keyed by the Request object
// Elysia hands to each hook and handler.
export interface AuthenticatedToken {
  id: string;
  name: string;
  /** Endpoint scopes: chat-completions, messages, responses, models, metrics, admin. */
  scopes: string[];
  /** Model ids or aliases it may use; undefined = any. */
  models?: string[];
  /** Group ids it may use; undefined = any. */
  groups?: string[];
}

export interface RequestContext {
  /** The client's id for the request (metadata.request_id or x-request-id), else a generated one. */
  requestId: string;
  /** This server's id for this execution. */
  executionId: string;
  /** Set by the auth plugin when auth is on. */
  token?: AuthenticatedToken;
}

const contexts = new WeakMap<Request, RequestContext>();

/** The request's context, created on first use. */
export function requestContext(request: Request): RequestContext {
  let context = contexts.get(request);
  if (!context) {
    const sent = request.headers.get("x-request-id");
    context = { requestId: sent && isPrintable(sent) ? sent.slice(0, 128) : `req_${crypto.randomUUID().replaceAll("-", "")}`, executionId: crypto.randomUUID() };
    contexts.set(request, context);
  }
  return context;
}

function isPrintable(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}
