// A hub repo's file list: the tree endpoint (sizes and LFS sha256, paginated with Link
// headers), else the model-info endpoint's siblings (names only, unless it adds blobs).
import { DownloadError } from "./errors.ts";
import { getOk, sha256FromEtag, type HttpContext } from "./http.ts";
import { DEFAULT_REVISION, trimEndpoint } from "./reference.ts";

export interface RepoFile {
  path: string;
  size?: number;
  sha256?: string;
}

const MAX_PAGES = 100;

export async function listRepoFiles(endpoint: string, repo: string, revision: string, ctx: HttpContext): Promise<RepoFile[]> {
  const base = `${trimEndpoint(endpoint)}/api/models/${repo}`;
  try {
    return await listTree(`${base}/tree/${encodeURIComponent(revision)}?recursive=true`, ctx);
  } catch (error) {
    if (error instanceof DownloadError && (error.kind === "network" || error.kind === "cancelled")) throw error;
    // Older hubs and mirrors have no tree endpoint: the info endpoint lists names.
  }
  const infoUrl = revision === DEFAULT_REVISION ? base : `${base}/revision/${encodeURIComponent(revision)}`;
  try {
    return await listSiblings(`${infoUrl}?blobs=true`, ctx);
  } catch (error) {
    if (error instanceof DownloadError && error.kind === "not_found") {
      throw new DownloadError("not_found", `not found on the hub: ${trimEndpoint(endpoint)}/${repo}${revision === DEFAULT_REVISION ? "" : ` (revision ${revision})`}`, { status: 404 });
    }
    throw error;
  }
}

async function listTree(firstUrl: string, ctx: HttpContext): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  let url: string | undefined = firstUrl;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const { response } = await getOk(url, ctx, { accept: "application/json" });
    const items = await readJson(response, url);
    if (!Array.isArray(items)) throw new DownloadError("http", `unexpected answer (not a list) from ${url}`);
    for (const item of items) {
      if (!item || typeof item !== "object" || item.type !== "file" || typeof item.path !== "string") continue;
      files.push({ path: item.path, size: sizeOf(item.lfs?.size ?? item.size), sha256: sha256FromEtag(item.lfs?.oid) });
    }
    url = nextLink(response.headers.get("link"), url);
  }
  return files;
}

async function listSiblings(url: string, ctx: HttpContext): Promise<RepoFile[]> {
  const { response } = await getOk(url, ctx, { accept: "application/json" });
  const info = await readJson(response, url);
  const siblings: unknown = info?.siblings;
  if (!Array.isArray(siblings)) throw new DownloadError("http", `unexpected answer (no siblings) from ${url}`);
  return siblings
    .filter((s) => s && typeof s.rfilename === "string")
    .map((s) => ({ path: s.rfilename, size: sizeOf(s.lfs?.size ?? s.size), sha256: sha256FromEtag(s.lfs?.sha256) }));
}

async function readJson(response: Response, url: string): Promise<any> {
  try {
    return await response.json();
  } catch (error) {
    throw new DownloadError("http", `unreadable JSON from ${url}`, { cause: error });
  }
}

function sizeOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** The rel="next" target of a Link header (GitHub's pagination format, which the hub uses). */
function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return new URL(m[1]!, base).href;
  }
  return undefined;
}
