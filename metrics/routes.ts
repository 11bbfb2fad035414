// GET /metrics (Prometheus text format) and the global hooks that count every request by route
// pattern, status and model, and time it. Use it before the routes it should see: Elysia applies
// a hook only to the routes registered after it.
import { Elysia, StatusMap } from "elysia";
import { rawBodyOf } from "../api/http/body.ts";
import { streamEnd } from "../api/http/sse.ts";
import type { ServerMetrics } from "./registry.ts";

/** The route label of a request no route answered (404): its path would be unbounded. */
export const UNMATCHED_ROUTE = "unmatched";

interface AnsweredRequest {
  request: Request;
  route?: string;
  body?: unknown;
  set: { status?: number | string };
  response?: unknown;
  error?: unknown;
}

export function metricsRoutes(metrics: ServerMetrics, resolveModel: (name: string) => string | undefined) {
  const startedAt = new WeakMap<Request, number>();
  // Streams are counted when their body ends, not when their headers go out.
  const streaming = new WeakSet<Request>();

  const record = (ctx: AnsweredRequest, status: number) => {
    const route = ctx.route || UNMATCHED_ROUTE;
    metrics.requests.inc({ route, status: String(status), model: modelOf(ctx, resolveModel) });
    const started = startedAt.get(ctx.request);
    if (started !== undefined) metrics.requestDuration.observe({ route }, (performance.now() - started) / 1000);
  };

  return new Elysia({ name: "metrics" })
    .onRequest(({ request }) => {
      startedAt.set(request, performance.now());
    })
    .mapResponse((ctx) => {
      const response = (ctx as { response?: unknown }).response;
      const ended = response instanceof Response ? streamEnd(response) : undefined;
      if (!ended) return;
      streaming.add(ctx.request);
      void ended.then(() => record(ctx, (response as Response).status));
    })
    .onAfterResponse((ctx) => {
      if (streaming.has(ctx.request)) return;
      record(ctx, statusOf(ctx));
    })
    .get(
      "/metrics",
      async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
      { detail: { tags: ["Server"], summary: "Prometheus metrics (text format 0.0.4)" } },
    )
    .as("global");
}

function statusOf(ctx: AnsweredRequest): number {
  if (ctx.response instanceof Response) return ctx.response.status;
  // The app's own onError answered (no route matched, or a failure outside the protocol
  // plugins): its Response is not in the context, the error's status is (Elysia's errors carry one).
  if (ctx.error !== undefined) {
    const status = (ctx.error as { status?: unknown } | null)?.status;
    return typeof status === "number" ? status : 500;
  }
  const status = ctx.set.status ?? 200;
  return typeof status === "number" ? status : (StatusMap[status as keyof typeof StatusMap] ?? 500);
}

/** The model id a request's body names, or "" when it names none or none that exists. */
function modelOf(ctx: AnsweredRequest, resolveModel: (name: string) => string | undefined): string {
  let body = ctx.body;
  if (body === undefined) {
    // A body refused by validation may not have reached the context: read the raw one.
    const raw = rawBodyOf(ctx.request);
    try {
      body = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
      return "";
    }
  }
  const name = typeof body === "object" && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof name === "string" ? (resolveModel(name) ?? "") : "";
}
