// Local HTTP servers playing remote hosts for the net/ tests. Each records the requests it got,
// so a test can show that a refused URL never reached anything.
import type { Server, TCPSocketListener } from "bun";
import { png, wav } from "./mediaBytes.ts";

export interface Seen {
  path: string;
  method: string;
  host: string | null;
  headers: Record<string, string>;
  body: string;
}

export interface MediaServer {
  server: Server<undefined>;
  origin: string;
  seen: Seen[];
  /** Set when a streamed body was cancelled by the client. */
  cancelled: { count: number };
  stop(): void;
}

/** An endless body, one 64 KiB chunk per pull. */
function endless(cancelled: { count: number }): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array(64 * 1024));
    },
    cancel() {
      cancelled.count++;
    },
  });
}

export function mediaServer(hostname = "127.0.0.1", tls?: { cert: string; key: string }): MediaServer {
  const seen: Seen[] = [];
  const cancelled = { count: 0 };
  const server = Bun.serve({
    hostname,
    port: 0,
    tls,
    async fetch(req) {
      const url = new URL(req.url);
      const body = await req.text();
      seen.push({ path: url.pathname, method: req.method, host: req.headers.get("host"), headers: Object.fromEntries(req.headers), body });
      const p = url.pathname;
      if (p === "/png") return new Response(png(), { headers: { "content-type": "image/png" } });
      if (p === "/png-params") return new Response(png(), { headers: { "content-type": "Image/PNG; charset=binary" } });
      if (p === "/wav") return new Response(wav(), { headers: { "content-type": "audio/wav" } });
      if (p === "/html") return new Response("<html></html>", { headers: { "content-type": "text/html; charset=utf-8" } });
      if (p === "/octet-png") return new Response(png(), { headers: { "content-type": "application/octet-stream" } });
      if (p === "/octet-wav") return new Response(wav(), { headers: { "content-type": "application/octet-stream" } });
      if (p === "/octet-text") return new Response("just text", { headers: { "content-type": "application/octet-stream" } });
      if (p === "/echo") return Response.json({ method: req.method, body, host: req.headers.get("host") });
      if (p === "/headers") return Response.json(Object.fromEntries(req.headers));
      if (p.startsWith("/status/")) return new Response("nope", { status: Number(p.slice(8)) });
      // 8 MiB of zeros gzipped to a few KiB: the limit must count what comes out, not what came in
      if (p === "/gzip-bomb") {
        return new Response(Bun.gzipSync(new Uint8Array(8 << 20)), { headers: { "content-type": "image/png", "content-encoding": "gzip" } });
      }
      if (p.startsWith("/bytes/")) return new Response(new Uint8Array(Number(p.slice(7))), { headers: { "content-type": "image/png" } });
      // n redirects (n ≥ 1), the last one to the PNG
      if (p.startsWith("/redirect/")) {
        const n = Number(p.slice(10));
        return redirect(n > 1 ? `/redirect/${n - 1}` : "/png", 302);
      }
      if (p === "/to") return redirect(url.searchParams.get("url")!, Number(url.searchParams.get("status") ?? 302));
      if (p === "/endless") return new Response(endless(cancelled), { headers: { "content-type": "image/png" } });
      // the headers and one chunk, then nothing: never finishes
      if (p === "/stall") {
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new Uint8Array(10));
            },
            cancel() {
              cancelled.count++;
            },
          }),
          { headers: { "content-type": "image/png" } },
        );
      }
      return new Response("not found", { status: 404 });
    },
  });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const origin = `${tls ? "https" : "http"}://${host}:${server.port}`;
  return { server, origin, seen, cancelled, stop: () => server.stop(true) };
}

const redirect = (location: string, status: number) => new Response(null, { status, headers: { location } });

/** A raw TCP server that answers every request with `head` and then keeps the socket open, silent. */
export function rawServer(head: string | null): { listener: TCPSocketListener<undefined>; origin: string; stop(): void } {
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        if (head !== null) socket.write(head);
      },
    },
  });
  return { listener, origin: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}
