// Server-sent events from an async generator of JSON frames. Built by hand (not Elysia's sse())
// so that a client disconnect reliably returns the generator, whose finally cancels the work.
const encoder = new TextEncoder();

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
} as const;

/** Each frame is written as `data: <frame>\n\n`; frames are already serialized. */
export function sseResponse(frames: AsyncGenerator<string, void, undefined>): Response {
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await frames.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(`data: ${value}\n\n`));
      } catch (err) {
        // The generator turns errors into frames itself; anything left is a bug: end the stream.
        controller.error(err);
      }
    },
    async cancel() {
      await frames.return(undefined);
    },
  });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}
