// One process at a time per file: <file>.lock, created exclusively (O_EXCL) and holding the
// owner's pid. Others wait for it to go away; a lock whose pid is dead is taken over.
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { DownloadError } from "./errors.ts";
import { pause } from "./pause.ts";

export interface LockOptions {
  signal?: AbortSignal;
  /** How often a waiter looks at the lock again. */
  pollMs?: number;
  /** An empty lock older than this is a crash between create and write. */
  emptyStaleMs?: number;
  /** Called once, when the lock turns out held by a live process (its pid; 0 if unknown yet). */
  onWait?: (pid: number) => void;
}

export async function withFileLock<T>(target: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${target}.lock`;
  await mkdir(dirname(target), { recursive: true });
  await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}

async function acquire(lockPath: string, { signal, pollMs = 100, emptyStaleMs = 10_000, onWait }: LockOptions): Promise<void> {
  let told = false;
  for (;;) {
    if (signal?.aborted) throw new DownloadError("cancelled", "pull cancelled");
    try {
      const handle = await open(lockPath, "wx");
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new DownloadError("io", `cannot create ${lockPath}: ${(error as Error).message}`, { cause: error });
      }
    }
    const content = await readFile(lockPath, "utf8").catch(() => undefined);
    if (content === undefined) continue; // released meanwhile
    const pid = Number(content.trim());
    const stale = content.trim() === "" ? await olderThan(lockPath, emptyStaleMs) : !Number.isInteger(pid) || !isAlive(pid);
    // Taken over only if it still holds what was read, so a fresh lock of another waiter survives.
    if (stale && (await readFile(lockPath, "utf8").catch(() => undefined)) === content) {
      await unlink(lockPath).catch(() => {});
      continue;
    }
    if (!told) onWait?.(Number.isInteger(pid) ? pid : 0);
    told = true;
    await pause(pollMs, signal);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}
