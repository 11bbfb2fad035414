// `token create|list|revoke`: manage API tokens in <data-dir>/accounts.sqlite, also while the
// server runs (it looks each request's token up, so a revocation takes effect at once). Also the
// server's first start with auth on: an admin token written to a file only its owner can read.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openAccounts } from "../store/accounts.ts";
import { defaultDataDir } from "../store/index.ts";
import { parseExpiry, parseScopes, SCOPES, TokenError, TokenStore, type TokenRecord, type TokenSpec } from "../store/tokens.ts";

export const TOKEN_HELP = `usage: bunllama token <command> [options]

commands:
  create --name NAME --scopes LIST [options]   create a token; its secret is printed once, on stdout
      --scopes LIST            comma-separated: ${SCOPES.join(", ")}, or all
      --models LIST            model ids or aliases it may use (default: any)
      --groups LIST            groups it may use (default: any)
      --expires WHEN           a duration (45s, 90m, 12h, 30d, 2w) or an ISO 8601 date (default: never)
      --rpm N                  generation requests per minute
      --tokens-per-day N       prompt + completion tokens per calendar day (UTC)
      --credits-per-month N    credits per calendar month (UTC)
  list [--json]                every token, never a secret
  revoke ID|NAME               revoke at once (the running server refuses it from its next request)

options:
  --data-dir DIR   folder of accounts.sqlite (env BUNLLAMA_DATA_DIR; default ${defaultDataDir()})
  -h, --help       show this help
`;

/** First start with auth on: an admin token (every scope) in <data-dir>/admin-token, mode 0600. */
export function ensureAdminToken(tokens: TokenStore, dataDir: string, log: (line: string) => void): void {
  if (tokens.count() > 0) return;
  const { token, secret } = tokens.create({ name: "admin", scopes: [...SCOPES] });
  const file = join(dataDir, "admin-token");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  // mode applies only to a new file: an old one keeps its own.
  chmodSync(file, 0o600);
  log(`auth: no tokens yet, created admin token ${token.id} (${token.prefix}…); its secret is in ${file} (readable by its owner only)`);
}

class UsageError extends Error {}

type Options = Record<string, string | true>;

const VALUED = ["--name", "--scopes", "--models", "--groups", "--expires", "--rpm", "--tokens-per-day", "--credits-per-month", "--data-dir"];

function parseArgs(argv: string[]): { positional: string[]; options: Options } {
  const positional: string[] = [];
  const options: Options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help" || arg === "--json") options[arg === "-h" ? "--help" : arg] = true;
    else if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (!VALUED.includes(name)) throw new UsageError(`unknown option ${name}`);
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") throw new UsageError(`${name} needs a value`);
      options[name] = value;
    } else positional.push(arg);
  }
  return { positional, options };
}

const list = (value: string | true | undefined) =>
  typeof value === "string" ? value.split(",").map((s) => s.trim()).filter(Boolean) : undefined;

function positiveNumber(options: Options, name: string, integer: boolean): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!(value > 0) || (integer && !Number.isInteger(value))) throw new UsageError(`${name} expects a positive ${integer ? "integer" : "number"}, got '${raw}'`);
  return value;
}

function specFrom(options: Options): TokenSpec {
  const allowed = new Set(["--name", "--scopes", "--models", "--groups", "--expires", "--rpm", "--tokens-per-day", "--credits-per-month", "--data-dir", "--help"]);
  const stray = Object.keys(options).find((k) => !allowed.has(k));
  if (stray) throw new UsageError(`create takes no ${stray}`);
  if (typeof options["--name"] !== "string") throw new UsageError("create needs --name NAME");
  const scopes = list(options["--scopes"]);
  if (!scopes?.length) throw new UsageError(`create needs --scopes (${SCOPES.join(", ")}, or all)`);
  const expires = options["--expires"];
  return {
    name: options["--name"],
    scopes: parseScopes(scopes),
    models: list(options["--models"]),
    groups: list(options["--groups"]),
    expiresAt: typeof expires === "string" ? parseExpiry(expires) : undefined,
    quotas: {
      requestsPerMinute: positiveNumber(options, "--rpm", true),
      tokensPerDay: positiveNumber(options, "--tokens-per-day", true),
      creditsPerMonth: positiveNumber(options, "--credits-per-month", false),
    },
  };
}

const when = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));

function quotasText(token: TokenRecord): string {
  const q = token.quotas;
  const parts = [
    q.requestsPerMinute !== undefined ? `${q.requestsPerMinute} rpm` : "",
    q.tokensPerDay !== undefined ? `${q.tokensPerDay} tokens/day` : "",
    q.creditsPerMonth !== undefined ? `${q.creditsPerMonth} credits/month` : "",
  ].filter(Boolean);
  return parts.join(", ") || "-";
}

function table(tokens: TokenRecord[]): string {
  const header = ["ID", "NAME", "PREFIX", "SCOPES", "MODELS", "GROUPS", "EXPIRES", "QUOTAS", "REVOKED", "LAST USED"];
  const rows = tokens.map((tk) => [
    tk.id,
    tk.name,
    `${tk.prefix}…`,
    tk.scopes.join(","),
    tk.models?.join(",") ?? "any",
    tk.groups?.join(",") ?? "any",
    when(tk.expiresAt),
    quotasText(tk),
    when(tk.revokedAt),
    when(tk.lastUsedAt),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Sets process.exitCode: 0, 1 (refused: unknown token, name taken), 2 (usage). */
export async function runToken(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${TOKEN_HELP}`);
    process.exitCode = 2;
    return;
  }
  const { positional, options } = parsed;
  const [command, ...rest] = positional;
  if (options["--help"] || command === undefined) {
    (command === undefined && !options["--help"] ? process.stderr : process.stdout).write(TOKEN_HELP);
    if (!options["--help"]) process.exitCode = 2;
    return;
  }
  const dataDir = typeof options["--data-dir"] === "string" ? options["--data-dir"] : process.env.BUNLLAMA_DATA_DIR || defaultDataDir();
  try {
    if (!["create", "list", "revoke"].includes(command)) throw new UsageError(`unknown command '${command}'`);
    if (command === "revoke" ? rest.length !== 1 : rest.length !== 0) throw new UsageError(command === "revoke" ? "revoke takes one token id or name" : `${command} takes no arguments`);
    const spec = command === "create" ? specFrom(options) : undefined;
    const accounts = openAccounts(dataDir);
    try {
      if (spec) {
        const { token, secret } = accounts.tokens.create(spec);
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`created token ${token.id} '${token.name}' (scopes: ${token.scopes.join(", ")}); the secret above is shown this once\n`);
      } else if (command === "list") {
        const all = accounts.tokens.list();
        process.stdout.write(options["--json"] ? `${JSON.stringify(all, null, 2)}\n` : `${table(all)}\n`);
      } else {
        const token = accounts.tokens.revoke(rest[0]!);
        if (!token) {
          process.stderr.write(`error: no token with the id or name '${rest[0]}'\n`);
          process.exitCode = 1;
          return;
        }
        process.stderr.write(`revoked token ${token.id} '${token.name}' at ${when(token.revokedAt)}\n`);
      }
    } finally {
      accounts.db.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${TOKEN_HELP}`);
      process.exitCode = 2;
    } else if (error instanceof TokenError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exitCode = error.kind === "conflict" ? 1 : 2;
    } else throw error;
  }
}
