// pullModel: a model reference (URL or hub reference) to a verified GGUF in the local cache.
import { resolve } from "node:path";
import { defaultCacheDir } from "./cache.ts";
import { DownloadError } from "./errors.ts";
import type { HttpContext } from "./http.ts";
import { withFileLock } from "./lock.ts";
import { allPresent, exists, planOffline, planPull, type PlannedFile } from "./plan.ts";
import type { ProgressCallback } from "./progress.ts";
import { DEFAULT_HUB_ENDPOINT, parseReference, trimEndpoint } from "./reference.ts";
import { recordRef } from "./refs.ts";
import { transferFile } from "./transfer.ts";

export { DownloadError, type DownloadErrorKind } from "./errors.ts";
export { defaultCacheDir } from "./cache.ts";
export { parseReference, formatReference, type ModelRef } from "./reference.ts";
export { describe as describeProgress, terminalProgress, type ProgressCallback, type PullProgress } from "./progress.ts";

export interface PullOptions {
  /** Default: BUNLLAMA_MODELS_DIR, else $XDG_CACHE_HOME/bunllama/models, else ~/.cache/bunllama/models. */
  cacheDir?: string;
  /** Default: HF_ENDPOINT, else https://huggingface.co. */
  hubEndpoint?: string;
  /** Default: HF_TOKEN. Sent to the hub only, never to the CDN it redirects to. */
  token?: string;
  onProgress?: ProgressCallback;
  /** Called when another pull (this process or another) is fetching the file: this one waits for it. */
  onWait?: (info: { file: string; pid: number }) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Where the defaults above are read (default process.env). */
  env?: Record<string, string | undefined>;
  /** Wait before retrying a failed connection, times the attempt (default 1000 ms). */
  retryDelayMs?: number;
}

export interface PullResult {
  /** The file to load: the model, or a split model's first part. */
  path: string;
  /** Every file of the model (a split's parts, in order). */
  files: string[];
}

/** Downloads (or finds already downloaded) the model a reference means. Throws DownloadError. */
export async function pullModel(ref: string, options: PullOptions = {}): Promise<PullResult> {
  try {
    const parsed = parseReference(ref);
    const ctx = context(options);
    const plan = await planPull(parsed, ctx);
    for (const file of plan.files) await fetchFile(file, ctx.http, options);
    // Only a shortcut for the next pull: failing to write it fails nothing.
    if (plan.record) await recordRef(plan.record.dir, plan.record.key, plan.record.paths).catch(() => {});
    return result(plan.files);
  } catch (error) {
    throw asDownloadError(error, options.signal);
  }
}

/** The model a reference means when every file is already here (no network), else undefined. */
export async function findCachedModel(ref: string, options: Pick<PullOptions, "cacheDir" | "hubEndpoint" | "env"> = {}): Promise<PullResult | undefined> {
  const ctx = context(options);
  const plan = await planOffline(parseReference(ref), ctx);
  return plan && (await allPresent(plan)) ? result(plan.files) : undefined;
}

function context(options: PullOptions) {
  const env = options.env ?? process.env;
  const endpoint = trimEndpoint(options.hubEndpoint ?? (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT));
  let hubOrigin: string;
  try {
    hubOrigin = new URL(endpoint).origin;
  } catch {
    throw new DownloadError("invalid_ref", `bad hub endpoint '${endpoint}' (HF_ENDPOINT)`);
  }
  const http: HttpContext = { fetch: options.fetch ?? fetch, token: options.token ?? (env.HF_TOKEN || undefined), hubOrigin, signal: options.signal };
  // Absolute, so the path returned still names the file from another working directory.
  return { cacheDir: resolve(options.cacheDir ?? defaultCacheDir(env)), endpoint, http };
}

/** One file, unless it is here already; under its lock, so concurrent pulls fetch it once. */
async function fetchFile(file: PlannedFile, http: HttpContext, options: PullOptions): Promise<void> {
  if (await exists(file.dest)) return;
  await withFileLock(
    file.dest,
    async () => {
      if (await exists(file.dest)) return; // another process finished it while we waited
      await transferFile({
        url: file.url,
        dest: file.dest,
        label: file.label,
        expectedSha256: file.sha256,
        expectedSize: file.size,
        http,
        onProgress: options.onProgress,
        retryDelayMs: options.retryDelayMs,
      });
    },
    { signal: options.signal, onWait: (pid) => options.onWait?.({ file: file.label, pid }) },
  );
}

function result(files: PlannedFile[]): PullResult {
  return { path: files[0]!.dest, files: files.map((f) => f.dest) };
}

function asDownloadError(error: unknown, signal?: AbortSignal): DownloadError {
  if (error instanceof DownloadError) return error;
  if (signal?.aborted) return new DownloadError("cancelled", "pull cancelled", { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new DownloadError("io", message.split("\n")[0]!, { cause: error });
}
