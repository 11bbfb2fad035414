// One file from a URL into place: bytes go to <dest>.part, an interrupted transfer resumes with
// Range, and the file is renamed into place only after its size, sha256 (when the hub gives
// one) and GGUF header check out. A failed check deletes the .part.
import { open, rename, stat, unlink } from "node:fs/promises";
import { DownloadError, isRetryable } from "./errors.ts";
import { get, networkError, sha256FromEtag, statusError, type HttpContext } from "./http.ts";
import { pause } from "./pause.ts";
import { ProgressMeter, type ProgressCallback } from "./progress.ts";
import { ggufHeaderProblem, hashFile } from "./verify.ts";

export interface TransferOptions {
  url: string;
  dest: string;
  /** The file's name in messages and progress (its path in the repo, or the URL's file name). */
  label: string;
  expectedSha256?: string;
  expectedSize?: number;
  http: HttpContext;
  onProgress?: ProgressCallback;
  /** Failed tries in a row without new bytes before giving up (default 4). */
  attempts?: number;
  /** Wait before retrying a try that got no bytes, times the number of such tries (default 1000). */
  retryDelayMs?: number;
  /** A body that sends nothing for this long is dropped and resumed (default 60 s). */
  stallMs?: number;
}

/** What one attempt left in the .part. */
interface Landed {
  bytes: number;
  /** sha256 of the whole .part, when one was expected. */
  sha256?: string;
  /** sha256 the server's headers gave (X-Linked-Etag or ETag). */
  headerSha256?: string;
}

export async function transferFile(o: TransferOptions): Promise<void> {
  const part = `${o.dest}.part`;
  const meter = new ProgressMeter(o.label, o.onProgress);
  let landed: Landed | undefined;
  // Failures in a row that brought no new bytes; a connection that keeps dropping after
  // progress goes on resuming (a long download over a flaky link).
  let fruitless = 0;
  while (!landed) {
    const before = await sizeOf(part);
    try {
      landed = await attemptOnce(o, part, meter);
    } catch (error) {
      const progressed = (await sizeOf(part)) > before;
      fruitless = progressed ? 0 : fruitless + 1;
      if (!isRetryable(error) || fruitless >= (o.attempts ?? 4) || o.http.signal?.aborted) throw error;
      if (!progressed) await pause((o.retryDelayMs ?? 1000) * fruitless, o.http.signal);
    }
  }
  meter.finish();
  await checkAndPlace(o, part, landed);
}

async function attemptOnce(o: TransferOptions, part: string, meter: ProgressMeter): Promise<Landed> {
  let have = await sizeOf(part);
  if (o.expectedSize !== undefined && have > o.expectedSize) have = await discard(part);
  if (o.expectedSize !== undefined && have === o.expectedSize && have > 0) {
    return { bytes: have, sha256: o.expectedSha256 ? await sha256Of(part) : undefined }; // nothing left to fetch
  }

  const stall = new StallTimer(o.stallMs ?? 60_000);
  try {
    return await fetchRest(o, part, meter, have, stall);
  } catch (error) {
    if (!stall.fired || o.http.signal?.aborted) throw error;
    const message = `no data from ${new URL(o.url).host} for ${stall.ms / 1000} s while fetching ${o.label}`;
    throw new DownloadError("network", message, { cause: error, retryable: true });
  } finally {
    stall.stop();
  }
}

async function fetchRest(o: TransferOptions, part: string, meter: ProgressMeter, have: number, stall: StallTimer): Promise<Landed> {
  const signal = o.http.signal ? AbortSignal.any([o.http.signal, stall.signal]) : stall.signal;
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (have > 0) headers.range = `bytes=${have}-`;
  const fetched = await get(o.url, o.http, headers, signal);
  const res = fetched.response;
  const headerSha256 = sha256FromEtag(fetched.linkedEtag) ?? sha256FromEtag(res.headers.get("etag"));
  const wantSha = o.expectedSha256 ?? headerSha256;

  if (res.status === 416 && have > 0) {
    // Nothing after `have`: the .part is whole if the server's size agrees, else start over.
    await res.body?.cancel();
    const total = contentRange(res.headers.get("content-range"))?.total ?? o.expectedSize ?? fetched.linkedSize;
    if (total === have) return { bytes: have, sha256: wantSha ? await sha256Of(part) : undefined, headerSha256 };
    await discard(part);
    return attemptOnce(o, part, meter);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw statusError(res, o.url, o.http, fetched.url);
  }
  const length = toInt(res.headers.get("content-length"));
  let total: number | undefined;
  if (res.status === 206) {
    const range = contentRange(res.headers.get("content-range"));
    if (!range || range.start !== have) {
      await res.body?.cancel();
      if (have === 0) throw new DownloadError("http", `${new URL(o.url).host} answered 206 with '${res.headers.get("content-range")}' to a plain GET of ${o.url}`, { status: 206 });
      await discard(part); // a range we did not ask for: start over
      return attemptOnce(o, part, meter);
    }
    total = range.total ?? (length !== undefined ? have + length : undefined);
  } else {
    have = 0; // 200: the server ignored Range (or none was sent) and sends it all
    total = length ?? fetched.linkedSize;
  }
  if (o.expectedSize !== undefined && total !== undefined && total !== o.expectedSize) {
    await res.body?.cancel();
    throw new DownloadError("integrity", `size check failed for ${o.label}: the listing says ${o.expectedSize} bytes, the server sends ${total}`);
  }
  total ??= o.expectedSize;

  const hasher = wantSha ? new Bun.CryptoHasher("sha256") : undefined;
  if (hasher && have > 0) await hashFile(part, hasher, have);
  meter.start(have, total);
  const bytes = await writeBody(res, part, have, hasher, meter, stall, o);
  if (total !== undefined && bytes < total) {
    throw new DownloadError("network", `connection to ${new URL(o.url).host} closed after ${bytes} of ${total} bytes of ${o.label}`, { retryable: true });
  }
  return { bytes, sha256: hasher?.digest("hex"), headerSha256 };
}

/** Streams the body after `have` bytes of the .part; returns the .part's size. */
async function writeBody(
  res: Response,
  part: string,
  have: number,
  hasher: Bun.CryptoHasher | undefined,
  meter: ProgressMeter,
  stall: StallTimer,
  o: TransferOptions,
): Promise<number> {
  const handle = await open(part, have > 0 ? "a" : "w");
  let bytes = have;
  try {
    for await (const chunk of res.body ?? []) {
      stall.touch();
      await handle.write(chunk);
      hasher?.update(chunk);
      bytes += chunk.byteLength;
      meter.add(chunk.byteLength);
    }
  } catch (error) {
    if (o.http.signal?.aborted || stall.fired) throw networkError(o.url, error, o.http.signal);
    const why = String((error as Error)?.message ?? error).split("\n")[0];
    throw new DownloadError("network", `connection to ${new URL(o.url).host} dropped after ${bytes} bytes of ${o.label} (${why})`, { cause: error, retryable: true });
  } finally {
    await handle.close();
  }
  return bytes;
}

/** Aborts its signal when touch() has not been called for `ms`. */
class StallTimer {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout>;
  readonly signal = this.controller.signal;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
  }

  get fired(): boolean {
    return this.signal.aborted;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

async function checkAndPlace(o: TransferOptions, part: string, landed: Landed): Promise<void> {
  const fail = async (message: string): Promise<never> => {
    await unlink(part).catch(() => {});
    throw new DownloadError("integrity", `${message}; the download was deleted`);
  };
  if (o.expectedSize !== undefined && landed.bytes !== o.expectedSize) {
    await fail(`size check failed for ${o.label}: expected ${o.expectedSize} bytes, got ${landed.bytes}`);
  }
  const wantSha = o.expectedSha256 ?? landed.headerSha256;
  if (wantSha && landed.sha256 !== wantSha) {
    await fail(`sha256 check failed for ${o.label}: expected ${wantSha}, got ${landed.sha256}`);
  }
  const problem = await ggufHeaderProblem(part);
  if (problem) await fail(`GGUF header check failed for ${o.label}: ${problem} (from ${o.url})`);
  await rename(part, o.dest);
}

async function sha256Of(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  await hashFile(path, hasher);
  return hasher.digest("hex");
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

async function discard(path: string): Promise<number> {
  await unlink(path).catch(() => {});
  return 0;
}

// "bytes 100-199/1000" gives start 100 and total 1000; "bytes */1000" (a 416) gives total 1000.
function contentRange(header: string | null): { start?: number; total?: number } | undefined {
  const m = header ? /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (!m) return undefined;
  return { start: m[1] !== undefined ? Number(m[1]) : undefined, total: m[2] === "*" ? undefined : Number(m[2]) };
}

function toInt(value: string | null): number | undefined {
  const n = value === null ? NaN : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
