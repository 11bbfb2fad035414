// Groups in the models config file: a top-level `groups:` list, entries as the admin API takes
// them plus a fixed `id` (a UUID: clients address `group:<id>`, so it must not change between
// starts). At each start the file's groups replace the previous start's in the store; they are
// read-only through the API (edit the file). Each error is one line naming the entry and field.
import { ConfigError, isRecord, shown } from "../cli/configFields.ts";
import type { Engine } from "../core/index.ts";
import { isUuid, parseGroupSpec, SpecError } from "./spec.ts";
import type { GroupStore } from "./store.ts";
import type { GroupSpec } from "./types.ts";

export interface ConfigGroup {
  id: string;
  spec: GroupSpec;
  /** `models.yaml: groups[0] (name "support")`, for later messages. */
  where: string;
}

/** The file's `groups` value (undefined or null: none). */
export function parseConfigGroups(label: string, folder: string, value: unknown): ConfigGroup[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(`${label}: groups must be a list of groups, got ${shown(value)}`);
  const seen = new Set<string>();
  return value.map((entry, index) => {
    const name = isRecord(entry) && typeof entry.name === "string" ? ` (name ${shown(entry.name)})` : "";
    const where = `${label}: groups[${index}]${name}`;
    const id = isRecord(entry) ? entry.id : undefined;
    if (typeof id !== "string" || !isUuid(id)) throw new ConfigError(`${where}: id must be a UUID (clients send model "group:<id>"), got ${shown(id)}`);
    if (seen.has(id.toLowerCase())) throw new ConfigError(`${where}: id ${id} is already the id of another group`);
    seen.add(id.toLowerCase());
    try {
      return { id: id.toLowerCase(), spec: parseGroupSpec(entry, { folder }), where };
    } catch (error) {
      if (error instanceof SpecError) throw new ConfigError(`${where}: ${error.message}`);
      throw error;
    }
  });
}

/** Every model a config group names must exist; then the store's config groups become these. */
export function mergeConfigGroups(store: GroupStore, groups: ConfigGroup[], engine: Engine): void {
  for (const g of groups) {
    if (engine.resolveModel(g.spec.brain) === undefined) throw new ConfigError(`${g.where}: brain names no model: ${shown(g.spec.brain)}`);
    g.spec.agents.forEach((a, i) => {
      if (engine.resolveModel(a.model) === undefined) throw new ConfigError(`${g.where}: agents[${i}].model names no model: ${shown(a.model)}`);
    });
    const existing = store.get(g.id);
    if (existing && existing.source === "api") throw new ConfigError(`${g.where}: id ${g.id} is a group created through the API; choose another id`);
  }
  store.replaceConfigGroups(groups);
}
