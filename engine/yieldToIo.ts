// Lets the event loop read sockets between two synchronous stretches of work (decode steps).
// Bun may run an immediate queued after a long synchronous block before it polls I/O, so after
// one `await setImmediate` a message that came in during the block can still be unread: the
// runner then began a whole further step before admitting new requests (measured: 15 requests
// waited out a 40 ms step, then a 2.5 s prompt batch went without them). The first immediate
// can run before the poll, the second runs after it.
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
