/** A failure the bench explains itself (printed without a stack trace; exit code 1). */
export class BenchError extends Error {}
