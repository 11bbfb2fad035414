// The groups feature in one piece for server.ts: the store, the engine decorator, the routes
// (POST /v1/chat/resume and /v1/admin/groups).
import { join } from "node:path";
import { Elysia } from "elysia";
import type { Engine } from "../core/index.ts";
import { groupAdminRoutes } from "../api/groups/admin.ts";
import { resumeRoutes } from "../api/groups/resume.ts";
import { mergeConfigGroups, type ConfigGroup } from "./config.ts";
import { GroupEngine } from "./groupEngine.ts";
import type { ToolFetcher } from "./httpTool.ts";
import { SecretStore } from "./secrets.ts";
import { GroupStore } from "./store.ts";
import { safeToolFetcher } from "./toolFetch.ts";
import { GROUP_PREFIX } from "./types.ts";

export { GroupEngine } from "./groupEngine.ts";
export { parseConfigGroups, type ConfigGroup } from "./config.ts";
export { GroupStore } from "./store.ts";

export interface GroupsOptions {
  /** groups.sqlite and secrets.json live here. */
  dataDir: string;
  /** The config file's `groups` (parseConfigGroups): they replace the previous start's. */
  configGroups?: ConfigGroup[];
  log?: (line: string) => void;
  /** Default 900 (15 minutes); a group's approval_ttl wins. */
  approvalTtlSeconds?: number;
  /** Brain steps per execution (default 8); the last one may not call tools. */
  maxSteps?: number;
  /** --allow-private-urls: every tool may reach private addresses. */
  allowPrivateUrls?: boolean;
  maxBodyBytes?: number;
  /** Environment for BUNLLAMA_SECRET_* (default process.env). */
  env?: Record<string, string | undefined>;
  /** Tests only: extra CA certificates for https tools. */
  ca?: string | string[];
  /** Tests only: the network layer of tool calls. */
  fetch?: ToolFetcher;
}

export function createGroups(options: GroupsOptions) {
  const store = new GroupStore(join(options.dataDir, "groups.sqlite"));
  const secrets = SecretStore.inDataDir(options.dataDir, options.env);
  const log = options.log ?? ((line: string) => console.error(line));
  return {
    store,
    /** Wraps the engine (put it around the metered one: each model call of an execution is then one ledger row). Throws ConfigError for a config group naming no model. */
    engine(inner: Engine): GroupEngine {
      mergeConfigGroups(store, options.configGroups ?? [], inner);
      return new GroupEngine(inner, {
        store,
        secrets,
        fetch: options.fetch ?? safeToolFetcher({ allowPrivateUrls: options.allowPrivateUrls, ca: options.ca }),
        log,
        maxSteps: options.maxSteps ?? 8,
        approvalTtlMs: (options.approvalTtlSeconds ?? 900) * 1000,
      });
    },
    /** The routes, answering through `engine` (the app's outermost engine). */
    routes(engine: Engine) {
      const opts = { maxBodyBytes: options.maxBodyBytes };
      const approvalModel = (id: string) => {
        const group = store.approvalGroup(id);
        return group === undefined ? undefined : `${GROUP_PREFIX}${group}`;
      };
      return new Elysia({ name: "groups" })
        .use(resumeRoutes(engine, approvalModel, opts))
        .use(groupAdminRoutes(store, engine, opts));
    },
    close(): void {
      store.close();
    },
  };
}
