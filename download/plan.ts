// Which files a reference means, where each comes from and where it goes in the cache.
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { hubFilePath, repoDir, urlFilePath } from "./cache.ts";
import type { HttpContext } from "./http.ts";
import { listRepoFiles } from "./hub.ts";
import { type ModelRef, resolveUrl } from "./reference.ts";
import { readRef, refKey } from "./refs.ts";
import { selectModelFiles, withParts } from "./select.ts";
import { splitPartNames } from "./split.ts";

export interface PlannedFile {
  url: string;
  dest: string;
  label: string;
  size?: number;
  sha256?: string;
}

export interface Plan {
  files: PlannedFile[];
  /** For a repo reference resolved online: what to record in .refs.json once pulled. */
  record?: { dir: string; key: string; paths: string[] };
}

export interface PlanContext {
  cacheDir: string;
  endpoint: string;
  http: HttpContext;
}

/**
 * The plan, from the reference alone where it can be: URLs, named files, and repo references
 * whose recorded files are all here. Otherwise a repo reference is resolved from its listing.
 */
export async function planPull(ref: ModelRef, ctx: PlanContext): Promise<Plan> {
  const local = await planOffline(ref, ctx);
  if (local && (ref.kind !== "hub-repo" || (await allPresent(local)))) return local;
  if (ref.kind !== "hub-repo") throw new Error("unreachable: only repo references need a listing");
  const listing = await listRepoFiles(ctx.endpoint, ref.repo, ref.revision, ctx.http);
  const chosen = selectModelFiles(listing, ref.repo, ref.quant);
  return {
    files: chosen.map((f) => hubFile(ctx, ref.repo, ref.revision, f.path, f.size, f.sha256)),
    record: { dir: repoDir(ctx.cacheDir, ref.repo, ref.revision), key: refKey(ref.quant), paths: chosen.map((f) => f.path) },
  };
}

export async function allPresent(plan: Plan): Promise<boolean> {
  for (const file of plan.files) if (!(await exists(file.dest))) return false;
  return true;
}

export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** A plan needing no network, or undefined for a repo reference never resolved here. */
export async function planOffline(ref: ModelRef, ctx: Omit<PlanContext, "http">): Promise<Plan | undefined> {
  if (ref.kind === "url") {
    const name = decodeName(basename(ref.url.pathname));
    const names = splitPartNames(name);
    return {
      files: names.map((part) => {
        const url = new URL(ref.url.href);
        if (part !== name) url.pathname = url.pathname.replace(/[^/]+$/, encodeURIComponent(part));
        return { url: url.href, dest: urlFilePath(ctx.cacheDir, url), label: part };
      }),
    };
  }
  if (ref.kind === "hub-file") {
    const parts = withParts({ path: ref.file }, undefined, ref.repo);
    return { files: parts.map((f) => hubFile(ctx, ref.repo, ref.revision, f.path)) };
  }
  const recorded = await readRef(repoDir(ctx.cacheDir, ref.repo, ref.revision), refKey(ref.quant));
  if (!recorded || recorded.length === 0) return undefined;
  return { files: recorded.map((path) => hubFile(ctx, ref.repo, ref.revision, path)) };
}

function hubFile(ctx: Omit<PlanContext, "http">, repo: string, revision: string, path: string, size?: number, sha256?: string): PlannedFile {
  return {
    url: resolveUrl(ctx.endpoint, repo, revision, path),
    dest: hubFilePath(ctx.cacheDir, repo, revision, path),
    label: path,
    size,
    sha256,
  };
}

function decodeName(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
