// `https://api.example/tickets/{id}?q={query}`: each `{arg}` becomes the argument, URL-encoded
// (so an argument can never add a path segment, a query key or another host).

const PLACEHOLDER = /(?<!\{)\{([A-Za-z0-9_]+)\}(?!\})/g;

/** The argument names a template uses; throws on a brace that is not a placeholder. */
export function urlPlaceholders(template: string): string[] {
  const stripped = template.replace(/\{\{secret:[A-Za-z0-9_]+\}\}/g, "").replace(PLACEHOLDER, "");
  if (/[{}]/.test(stripped)) throw new Error("has a brace that is not a {name} placeholder or a {{secret:NAME}}");
  return [...template.replace(/\{\{secret:[A-Za-z0-9_]+\}\}/g, "").matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The template with each placeholder replaced; throws naming an argument that is missing. */
export function fillUrl(template: string, args: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = args[name];
    if (value === undefined || value === null) throw new Error(`missing argument '${name}' for the URL`);
    return encodeURIComponent(typeof value === "string" ? value : JSON.stringify(value));
  });
}
