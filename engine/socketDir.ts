// Where this server's runner and tokenizer sockets (and staged media files) live: one private folder per server process
// (mode 0700), removed at exit; folders left by servers that died are swept on the next start.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PREFIX = "bunllama-sockets-";
let folder: string | undefined;

/** The folder for this process's sockets, created (and stale ones swept) on first use. */
export function socketDir(): string {
  if (folder) return folder;
  sweepDeadServers();
  folder = join(tmpdir(), `${PREFIX}${process.pid}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  process.once("exit", () => rmSync(folder!, { recursive: true, force: true }));
  return folder;
}

/** Media files staged for the runners (images, audio), inside the same private folder. */
export function mediaDir(): string {
  const dir = join(socketDir(), "media");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A fresh socket path in the folder. */
function socketPath(kind: string): string {
  return join(socketDir(), `${kind}-${crypto.randomUUID().slice(0, 8)}.sock`);
}

/** The channel's end of a child's socket: listens on a fresh path, attaches the child's
 *  connection, and removes the path as soon as the child is connected (nothing left behind).
 *  `close` (once the child has exited) closes the channel and the listener, and removes the
 *  path of a child that never connected. */
export function listenForChild(
  kind: string,
  channel: { attach(socket: never): void; receive(data: Buffer): void; drain(): void; close(): void },
): { path: string; close: () => void } {
  const path = socketPath(kind);
  const listener = Bun.listen({
    unix: path,
    socket: {
      open: (socket) => {
        channel.attach(socket as never);
        rmSync(path, { force: true });
      },
      data: (_socket, data) => channel.receive(data),
      drain: () => channel.drain(),
    },
  });
  const close = () => {
    channel.close();
    listener.stop(true);
    rmSync(path, { force: true });
  };
  return { path, close };
}

function sweepDeadServers(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
