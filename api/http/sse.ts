// Server-sent events from an async generator of frames. Built by hand (not Elysia's sse()) so
// that a client disconnect reliably returns the generator, whose finally cancels the work.

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;

/** One SSE frame: `event: <event>` (when given) and `data: <data>`; a comment when `comment`. */
export type SseFrame = { event?: string; data: string } | { comment: string };

export function formatFrame(frame: SseFrame): string {
  if ("comment" in frame) return `: ${frame.comment}\n\n`;
  return frame.event ? `event: ${frame.event}\ndata: ${frame.data}\n\n` : `data: ${frame.data}\n\n`;
}

export interface SseOptions {
  headers?: Record<string, string>;
  /** Send this frame whenever the stream has been silent this long (Anthropic `ping`). */
  keepAlive?: { everyMs: number; frame: SseFrame };
}

// Each SSE response's end (its last frame written, a failure, or the client gone): the metrics
// time a stream by it without wrapping the body in another stream, which cost a stream hop per frame.
const streamEnds = new WeakMap<Response, Promise<void>>();

/** Resolves once this SSE response's body has ended; undefined for any other response. */
export function streamEnd(response: Response): Promise<void> | undefined {
  return streamEnds.get(response);
}

export function sseResponse(frames: AsyncGenerator<SseFrame, void, undefined>, options: SseOptions = {}): Response {
  let cancelled = false;
  const { promise: ended, resolve: end } = Promise.withResolvers<void>();
  const source: Bun.DirectUnderlyingSource<Uint8Array> = {
    type: "direct",
    async pull(controller: ReadableStreamDirectController) {
      // Bun's direct stream: frames go straight to the socket as strings, without a chunk queue
      // (the default stream's enqueue and TextEncoder were a fifth of the JavaScript profile of
      // a streamed token), and one ping timer, refreshed per frame, instead of a race per frame.
      const send = async (frame: SseFrame) => {
        controller.write(formatFrame(frame));
        const flushed = controller.flush();
        if (typeof flushed !== "number") await flushed;
      };
      const keepAlive = options.keepAlive;
      let ping: Timer | undefined;
      if (keepAlive) ping = setInterval(() => void send(keepAlive.frame), keepAlive.everyMs);
      try {
        for (;;) {
          const result = await frames.next();
          if (cancelled) return;
          if (result.done) break;
          ping?.refresh();
          await send(result.value);
          if (cancelled) return;
        }
        controller.close();
      } catch (err) {
        // The generator turns errors into frames itself; anything left is a bug: end the stream.
        controller.close(err as Error);
      } finally {
        clearInterval(ping);
        end();
      }
    },
    async cancel() {
      cancelled = true;
      try {
        await frames.return(undefined);
      } finally {
        end();
      }
    },
  };
  // The DOM typings in scope hide bun-types' overload for direct sources.
  const response = new Response(new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>), { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
  streamEnds.set(response, ended);
  return response;
}

/**
 * Bun closes a connection after 10 s without bytes by default, but a model may be silent much
 * longer (a long prompt being processed, tokens the parser holds back): never cut a request for
 * silence. Slow clients are bounded elsewhere.
 */
export const IDLE_TIMEOUT_SECONDS = 0;
