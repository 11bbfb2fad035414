// Where pulled files live: <cache>/<org>/<repo>/<file> for hub files (<repo>@<rev> off main),
// <cache>/urls/<host>/<path> for plain URLs.
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_REVISION } from "./reference.ts";

/** BUNLLAMA_MODELS_DIR, else $XDG_CACHE_HOME/bunllama/models, else ~/.cache/bunllama/models. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.BUNLLAMA_MODELS_DIR) return env.BUNLLAMA_MODELS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "bunllama", "models");
}

export function repoDir(cacheDir: string, repo: string, revision: string): string {
  return join(cacheDir, revision === DEFAULT_REVISION ? repo : `${repo}@${revision}`);
}

export function hubFilePath(cacheDir: string, repo: string, revision: string, file: string): string {
  return join(repoDir(cacheDir, repo, revision), ...file.split("/"));
}

/** The URL's path kept as folders (two URLs on one host never share a file), each segment made safe. */
export function urlFilePath(cacheDir: string, url: URL): string {
  const segments = url.pathname.split("/").filter((s) => s !== "").map(safeSegment);
  return join(cacheDir, "urls", safeSegment(url.host), ...segments);
}

function safeSegment(segment: string): string {
  let text = segment;
  try {
    text = decodeURIComponent(segment);
  } catch {
    // keep the encoded form
  }
  const safe = text.replace(/[^A-Za-z0-9._-]/g, "_");
  return safe === "." || safe === ".." ? "_" : safe;
}
