// SIGTERM/SIGINT: stop accepting connections, let requests in flight finish within a grace
// period, end the rest with an error event in their protocol's shape, then stop the runners.
import type { EngineErrorInfo } from "../core/index.ts";

export interface ShutdownHooks {
  /** Closes the listening socket; open connections (streams) carry on. */
  stopListening(): void;
  /** Generations running or queued in the engine. */
  pending(): number;
  /** HTTP requests whose answer (a stream included) has not been sent in full. */
  openRequests(): number;
  failAll(error: EngineErrorInfo): void;
  /** Stops runners and closes stores. */
  close(): Promise<void>;
}

const SHUTTING_DOWN: EngineErrorInfo = {
  kind: "unavailable",
  code: "server_shutting_down",
  message: "the server is shutting down; retry against another instance or once it is back",
};

/** Returns the handler; a second signal while it runs is ignored. */
export function gracefulShutdown(graceSeconds: number, log: (line: string) => void, hooks: ShutdownHooks) {
  let running = false;
  return async (signal: string) => {
    if (running) return;
    running = true;
    hooks.stopListening();
    log(`${signal}: not accepting new connections; ${hooks.pending()} requests in flight get up to ${graceSeconds} s`);
    const idle = () => hooks.pending() === 0 && hooks.openRequests() === 0;
    await until(idle, graceSeconds * 1000);
    if (!idle()) {
      log(`shutdown: ending ${hooks.pending()} requests still running`);
      hooks.failAll(SHUTTING_DOWN);
      // Their error events still have to reach the clients before the process goes.
      await until(idle, 2000);
    }
    await hooks.close();
    process.exit(0);
  };
}

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await Bun.sleep(20);
}
