// A media prompt's bookkeeping: pseudo-token runs keyed by the media's id, chunk boundaries for
// cache reuse, and KV positions when media advance fewer positions than tokens (M-RoPE).
import { describe, expect, test } from "bun:test";
import { MEDIA_MARKER } from "../../chat/messages.ts";
import { defaultMediaMarker, type MediaChunk } from "../../ffi/mtmd.ts";
import { MediaPrompt, pseudoTokens } from "../../engine/mediaPrompt.ts";

// Chunks are only evaluated by the scheduler; this arithmetic never touches them.
const noChunk = undefined as unknown as MediaChunk;

/** text(3) image(4 tokens, 2 positions) text(2) image(4, 4) text(1). */
function prompt(): { media: MediaPrompt; freed: () => number } {
  let frees = 0;
  const tokens = Int32Array.from([1, 2, 3, ...pseudoTokens("a", 4), 4, 5, ...pseudoTokens("b", 4), 6]);
  const spans = [
    { start: 3, length: 4, positions: 2, chunk: noChunk },
    { start: 9, length: 4, positions: 4, chunk: noChunk },
  ];
  return { media: new MediaPrompt(tokens, spans, () => frees++), freed: () => frees };
}

describe("MediaPrompt", () => {
  test("pseudo-tokens are negative, equal for equal keys, different for others", () => {
    const a = pseudoTokens("image:abc:0", 256);
    expect(a.every((t) => t < 0)).toBe(true);
    expect([...pseudoTokens("image:abc:0", 256)]).toEqual([...a]);
    expect(pseudoTokens("image:abd:0", 256)[0]).not.toBe(a[0]);
    expect(new Set(a).size).toBe(256);
  });

  test("text runs end at the next media chunk; boundaries never cut one", () => {
    const { media } = prompt();
    expect(media.spanAt(3)?.length).toBe(4);
    expect(media.spanAt(4)).toBeUndefined();
    expect([media.textEnd(0), media.textEnd(7), media.textEnd(13)]).toEqual([3, 9, 14]);
    expect([2, 3, 4, 6, 7, 8, 10, 13, 14].map((n) => media.boundary(n))).toEqual([2, 3, 3, 3, 7, 8, 9, 13, 14]);
    expect([...media.textTokens()]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test("positions shift by what an M-RoPE chunk saves, after the chunk only", () => {
    const { media } = prompt();
    expect([0, 3, 7, 8, 9, 13, 14].map((i) => media.positionOf(i))).toEqual([0, 3, 5, 6, 7, 11, 12]);
  });

  test("free releases the chunks once", () => {
    const { media, freed } = prompt();
    media.free();
    media.free();
    expect(freed()).toBe(1);
  });

  test("the template's media marker is libmtmd's", () => {
    expect(MEDIA_MARKER).toBe(defaultMediaMarker());
  });
});
