// Server-sent events from an async generator of frames. Built by hand (not Elysia's sse()) so
// that a client disconnect reliably returns the generator, whose finally cancels the work.
const encoder = new TextEncoder();

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

export function sseResponse(frames: AsyncGenerator<SseFrame, void, undefined>, options: SseOptions = {}): Response {
  let pending: Promise<IteratorResult<SseFrame, void>> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        pending ??= frames.next();
        const result = options.keepAlive ? await raceKeepAlive(pending, options.keepAlive.everyMs) : await pending;
        if (result === KEEP_ALIVE) {
          controller.enqueue(encoder.encode(formatFrame(options.keepAlive!.frame)));
          return;
        }
        pending = undefined;
        if (result.done) controller.close();
        else controller.enqueue(encoder.encode(formatFrame(result.value)));
      } catch (err) {
        // The generator turns errors into frames itself; anything left is a bug: end the stream.
        controller.error(err);
      }
    },
    async cancel() {
      await frames.return(undefined);
    },
  });
  return new Response(stream, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } });
}

const KEEP_ALIVE = Symbol("keep-alive");

async function raceKeepAlive<T>(next: Promise<T>, ms: number): Promise<T | typeof KEEP_ALIVE> {
  let timer: Timer | undefined;
  const tick = new Promise<typeof KEEP_ALIVE>((resolve) => (timer = setTimeout(() => resolve(KEEP_ALIVE), ms)));
  try {
    return await Promise.race([next, tick]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bun closes a connection after 10 s without bytes by default, but a model may be silent much
 * longer (a long prompt being processed, tokens the parser holds back): never cut a request for
 * silence. Slow clients are bounded elsewhere.
 */
export const IDLE_TIMEOUT_SECONDS = 0;
