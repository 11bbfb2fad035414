// --models-dir: every GGUF in a folder (and one level of subfolders, the layout of a downloaded
// hub repository) is a model named after its file, with the flags' settings.
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { ModelDefaults, ModelSpec } from "../engine/modelSpec.ts";
import { parseSplitName } from "../engine/gguf/split.ts";
import { settingsOf } from "./config.ts";

interface Found {
  /** Folder relative to the scanned one ("" for the top). */
  folder: string;
  path: string;
  /** File name without `.gguf` and split suffix. */
  stem: string;
  id: string;
}

export function isProjector(fileName: string): boolean {
  return /mmproj/i.test(fileName);
}

export async function scanModelsDir(dir: string, defaults: ModelDefaults): Promise<ModelSpec[]> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) throw new Error(`models folder not found: ${dir}`);
  const models: Found[] = [];
  const projectors: Found[] = [];
  for (const path of await ggufFiles(dir)) {
    const fileName = basename(path);
    const split = parseSplitName(fileName);
    if (split && split.part !== 1) continue; // llama.cpp finds the other parts next to the first
    const id = split ? split.stem : fileName.replace(/\.gguf$/i, "");
    const found = { folder: relative(dir, join(path, "..")), path, stem: id, id };
    (isProjector(fileName) ? projectors : models).push(found);
  }
  qualifyDuplicates(models);
  const mmproj = pairProjectors(models, projectors);
  return models.map((m) => {
    const spec: ModelSpec = { ...settingsOf(defaults), id: m.id, aliases: [], path: m.path, sampling: {} };
    const projector = mmproj.get(m);
    if (projector) spec.mmproj = projector;
    return spec;
  });
}

/** `*.gguf` files in `dir` and its direct subfolders, sorted; symlinks followed, dot-files skipped. */
async function ggufFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && /\.gguf$/i.test(name)) files.push(path);
    else if (info?.isDirectory()) {
      for (const inner of (await readdir(path)).sort()) {
        const innerPath = join(path, inner);
        if (inner.startsWith(".") || !/\.gguf$/i.test(inner)) continue;
        if ((await stat(innerPath).catch(() => undefined))?.isFile()) files.push(innerPath);
      }
    }
  }
  return files;
}

/** The same file name in two folders: the subfolder copies become `<folder>/<name>`. */
function qualifyDuplicates(models: Found[]): void {
  const counts = new Map<string, number>();
  for (const m of models) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
  for (const m of models) if (counts.get(m.id)! > 1 && m.folder !== "") m.id = `${m.folder}/${m.id}`;
}

/**
 * Projector for each model: `mmproj-<model id>.gguf` next to it; else the one projector of its
 * subfolder (a hub repository: several quantizations share it); else, in a folder holding one
 * model and one projector, that projector.
 */
function pairProjectors(models: Found[], projectors: Found[]): Map<Found, string> {
  const paired = new Map<Found, string>();
  for (const m of models) {
    const named = projectors.find((p) => p.folder === m.folder && basename(p.path).toLowerCase() === `mmproj-${m.stem}.gguf`.toLowerCase());
    if (named) paired.set(m, named.path);
  }
  const used = new Set(paired.values());
  for (const m of models) {
    if (paired.has(m)) continue;
    const mine = projectors.filter((p) => p.folder === m.folder && !used.has(p.path));
    const siblings = models.filter((other) => other.folder === m.folder);
    if (mine.length === 1 && (m.folder !== "" || siblings.length === 1)) paired.set(m, mine[0]!.path);
  }
  return paired;
}
