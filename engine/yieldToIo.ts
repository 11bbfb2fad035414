// Lets the event loop read sockets between two synchronous stretches of work (decode steps).
// Bun may run an immediate queued after a long synchronous block before it polls I/O, so after
// one `await setImmediate` a message that came in during the block can still be unread: the
// runner then began a whole further step before admitting new requests (measured at 16 streams:
// 8 requests sent with the others waited out two more steps, the second a 2.5 s prompt batch
// that went without them). The first immediate can run before the poll, the second runs after it.
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
