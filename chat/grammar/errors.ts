// The one error the converter throws: the server answers it with a 400 naming the keyword,
// so a schema is never silently served unconstrained.

export class UnsupportedSchemaError extends Error {
  /** The JSON Schema keyword that cannot be honoured (e.g. "not", "pattern", "$ref"). */
  readonly keyword: string;
  /** JSON Pointer of the schema holding it, e.g. "#/properties/tags". */
  readonly path: string;

  constructor(keyword: string, path: string, detail?: string) {
    super(`unsupported JSON Schema keyword "${keyword}" at ${path}${detail ? `: ${detail}` : ""}`);
    this.name = "UnsupportedSchemaError";
    this.keyword = keyword;
    this.path = path;
  }
}
