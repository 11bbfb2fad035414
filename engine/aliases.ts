// The names a request's `model` field may use: ids, exact aliases, `default`, then patterns.
// Patterns take `*` (any run of characters, `/` included) and `?` (one character) only: model
// names are not paths (`anthropic/claude-*` must match `anthropic/claude-3/x`, which Bun.Glob's
// `*` refuses across `/`), and braces or brackets would surprise in a name.
import type { ModelsConfig } from "./modelSpec.ts";

interface Alias {
  name: string;
  target: string;
}

export function isPattern(name: string): boolean {
  return name.includes("*") || name.includes("?");
}

export function patternToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === "*" ? ".*" : c === "?" ? "." : `\\${c}`));
  return new RegExp(`^${body}$`, "s");
}

export class ModelNames {
  private readonly ids: Set<string>;
  private readonly exact = new Map<string, string>();
  private readonly patterns: { alias: Alias; regexp: RegExp }[] = [];
  /** Every alias in resolution order: top-level ones first, then each model's in model order. */
  private readonly all: Alias[];
  readonly defaultModel: string;

  constructor(config: ModelsConfig) {
    this.ids = new Set(config.models.map((m) => m.id));
    this.defaultModel = config.defaultModel;
    this.all = [...config.aliases, ...config.models.flatMap((m) => m.aliases.map((name) => ({ name, target: m.id })))];
    for (const alias of this.all) {
      if (isPattern(alias.name)) this.patterns.push({ alias, regexp: patternToRegExp(alias.name) });
      // The config loader refuses a name given twice; the first one wins should one get through.
      else if (!this.exact.has(alias.name)) this.exact.set(alias.name, alias.target);
    }
  }

  /** The model id a name means, or undefined. */
  resolve(name: string): string | undefined {
    if (this.ids.has(name)) return name;
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    if (name === "default") return this.defaultModel;
    return this.patterns.find((p) => p.regexp.test(name))?.alias.target;
  }

  /** Every alias name or pattern that points at `id`, `default` included for the default model. */
  aliasesOf(id: string): string[] {
    const names = this.all.filter((a) => a.target === id).map((a) => a.name);
    if (id === this.defaultModel && this.resolve("default") === id && !names.includes("default") && id !== "default") names.push("default");
    return names;
  }
}
