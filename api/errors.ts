// Errors as classes carrying their HTTP status and code; each protocol shapes them its way.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }

  /** OpenAI's `error.type` for this status. */
  get type(): string {
    if (this.status === 401) return "authentication_error";
    if (this.status === 403) return "permission_error";
    if (this.status === 404) return "not_found_error";
    if (this.status === 429) return "rate_limit_error";
    if (this.status >= 500) return "server_error";
    return "invalid_request_error";
  }
}

export const badRequest = (message: string, param?: string, code = "invalid_request") =>
  new ApiError(400, code, message, param);
