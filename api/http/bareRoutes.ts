// Clients configured with a bare base URL (http://host:8080 rather than http://host:8080/v1)
// call /chat/completions, /models, /messages...: each is answered as its /v1 route. One hook on
// the app covers every protocol plugin's routes without the plugins knowing.

interface RoutedApp {
  routes: { method: string; path: string }[];
  handle(request: Request): Promise<Response>;
}

interface Route {
  method: string;
  pattern: RegExp;
}

/** An Elysia route path ("/v1/models/*", "/v1/responses/:id") as a regular expression. */
function toPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      if (segment.startsWith(":")) return segment.endsWith("?") ? "[^/]*" : "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}

/**
 * An onRequest hook for the app itself: a path that no route answers, but that `/v1` + path
 * would, is handled again as that path (body, headers and abort signal carried over).
 * Register it first, so that the other hooks run once, on the rewritten request.
 */
export function bareRoutesAsV1(app: RoutedApp) {
  let table: { count: number; all: Route[] } | undefined;
  const routes = (): Route[] => {
    // Built on first use, when every plugin has added its routes; rebuilt if routes were added.
    if (table?.count !== app.routes.length)
      table = { count: app.routes.length, all: app.routes.map((r) => ({ method: r.method, pattern: toPattern(r.path) })) };
    return table.all;
  };
  const answers = (method: string, path: string) =>
    routes().some((r) => (r.method === method || r.method === "ALL") && r.pattern.test(path));

  return ({ request }: { request: Request }) => {
    const url = new URL(request.url);
    if (url.pathname === "/v1" || url.pathname.startsWith("/v1/")) return;
    if (answers(request.method, url.pathname) || !answers(request.method, `/v1${url.pathname}`)) return;
    url.pathname = `/v1${url.pathname}`;
    return app.handle(new Request(url, { method: request.method, headers: request.headers, body: request.body, signal: request.signal }));
  };
}
