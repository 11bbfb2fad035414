// Runner side of media input: a prompt with images or audio, tokenized by libmtmd into text
// tokens and media chunks. The scheduler sees one token list: each media chunk stands as a run
// of negative pseudo-tokens derived from its id (the SHA-256 of the file), so the prompt cache's
// prefix matching keys media by their bytes and a turn-1 image is not encoded again on turn 2.
import { readFileSync, rmSync } from "node:fs";
import type { Bitmap, ChunkList, MediaChunk, MtmdContext } from "../ffi/mtmd.ts";
import type { MediaRef } from "./protocol.ts";

export interface MediaSpan {
  /** Index of the chunk's first token in the prompt. */
  start: number;
  /** Tokens (embedding rows) the chunk takes. */
  length: number;
  /** Positions it advances: fewer than its tokens with M-RoPE. */
  positions: number;
  chunk: MediaChunk;
}

/** A refused media file: which request field, and why. */
export class MediaInputError extends Error {
  constructor(
    readonly param: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class MediaPrompt {
  #release: (() => void) | undefined;

  /** `release` frees the chunks (the ChunkList they are views of). */
  constructor(
    readonly tokens: Int32Array,
    readonly spans: readonly MediaSpan[],
    release: () => void,
  ) {
    this.#release = release;
  }

  /** The media chunk starting at this prompt index, if one does. */
  spanAt(index: number): MediaSpan | undefined {
    return this.spans.find((span) => span.start === index);
  }

  /** Where the text run from `index` ends: the next media chunk's start, or the prompt's end. */
  textEnd(index: number): number {
    return this.spans.find((span) => span.start >= index)?.start ?? this.tokens.length;
  }

  /** The largest prefix length ≤ n that does not cut a media chunk (its KV is all or nothing). */
  boundary(n: number): number {
    const inside = this.spans.find((span) => span.start < n && n < span.start + span.length);
    return inside ? inside.start : n;
  }

  /** The KV position of the token at `index` (index = length: the position after the prompt). */
  positionOf(index: number): number {
    let position = index;
    for (const span of this.spans) if (span.start + span.length <= index) position -= span.length - span.positions;
    return position;
  }

  /** The text tokens only (penalty samplers take the prompt as history; media has none). */
  textTokens(): Int32Array {
    return this.tokens.filter((token) => token >= 0);
  }

  /** Frees the chunks once evaluated (or the job ended); safe to call twice. */
  free(): void {
    this.#release?.();
    this.#release = undefined;
  }
}

/**
 * Reads (and deletes) the job's files, decodes them and tokenizes the prompt around them.
 * Throws MediaInputError naming the request field of a file libmtmd cannot decode.
 */
export function buildMediaPrompt(mtmd: MtmdContext, prompt: string, addSpecial: boolean, files: readonly MediaRef[]): MediaPrompt {
  const bitmaps: Bitmap[] = [];
  try {
    for (const file of files) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(file.path);
      } catch {
        throw new MediaInputError(file.param, `the ${file.kind} file is gone (the request was cancelled?)`);
      } finally {
        rmSync(file.path, { force: true });
      }
      try {
        bitmaps.push(mtmd.bitmapFromBytes(bytes, file.id));
      } catch (error) {
        throw new MediaInputError(file.param, (error as Error).message);
      }
    }
    let list: ChunkList;
    try {
      list = mtmd.tokenize(prompt, bitmaps, { addSpecial, parseSpecial: true });
    } catch (error) {
      throw new MediaInputError("messages", `cannot place the media in the prompt: ${(error as Error).message}`);
    }
    return fromChunks(list);
  } finally {
    for (const bitmap of bitmaps) bitmap.free();
    for (const file of files) rmSync(file.path, { force: true });
  }
}

function fromChunks(list: ChunkList): MediaPrompt {
  const pieces: Int32Array[] = [];
  const spans: MediaSpan[] = [];
  const seen = new Map<string, number>();
  let length = 0;
  for (const chunk of list.all()) {
    if (chunk.type === "text") {
      const tokens = chunk.textTokens();
      pieces.push(tokens);
      length += tokens.length;
      continue;
    }
    const id = chunk.id ?? "";
    // One long clip can give several chunks with its id: each gets its own run.
    const nth = seen.get(id) ?? 0;
    seen.set(id, nth + 1);
    pieces.push(pseudoTokens(`${chunk.type}:${id}:${nth}`, chunk.tokens));
    spans.push({ start: length, length: chunk.tokens, positions: chunk.positions, chunk });
    length += chunk.tokens;
  }
  const tokens = new Int32Array(length);
  let at = 0;
  for (const piece of pieces) {
    tokens.set(piece, at);
    at += piece.length;
  }
  return new MediaPrompt(tokens, spans, () => list.free());
}

/** Negative ids (never a vocab token) from the chunk's key: equal media give equal runs. */
export function pseudoTokens(key: string, count: number): Int32Array {
  const base = Number(Bun.hash.wyhash(key) & 0x3fffffffn);
  const run = new Int32Array(count);
  for (let i = 0; i < count; i++) run[i] = -1 - ((base + i) & 0x3fffffff);
  return run;
}
