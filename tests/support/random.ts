/** A seeded generator of numbers in [0, 1), so a failing case reproduces. */
export function seededRandom(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}
