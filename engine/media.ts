// Server side of media input: checks a request's images and audio against the model, fetches
// them under the remote-media policy, and writes each file once into this server's private
// folder for the runner (bytes never travel base64 through the runner's line channel).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sniffMediaFormat } from "../ffi/mtmd.ts";
import { FetchError, loadMedia, type RemoteMediaPolicy } from "../net/index.ts";
import type { EngineErrorInfo, MediaKind, MediaPart } from "../core/index.ts";
import type { MediaRef } from "./protocol.ts";
import { mediaDir } from "./socketDir.ts";

/** What the loaded projector takes. */
export interface MediaSupport {
  vision: boolean;
  audio: boolean;
}

export const DEFAULT_MEDIA_POLICY: RemoteMediaPolicy = { remote: true, allowPrivate: false };

const FORMATS: Record<MediaKind, string> = { image: "PNG, JPEG, GIF or BMP", audio: "WAV, MP3 or FLAC" };

/** A 400 naming the media part's field. */
const refuse = (part: MediaPart, code: string, message: string): { error: EngineErrorInfo } => ({
  error: { kind: "invalid_request", code, message, param: part.param },
});

/** Refuses media the model cannot take, before anything is fetched. */
export function unsupportedMedia(model: string, parts: MediaPart[], support: MediaSupport): { error: EngineErrorInfo } | undefined {
  for (const part of parts) {
    if (part.type === "image" && !support.vision)
      return refuse(part, "model_has_no_vision", `model ${model} has no vision: image input needs a projector with a vision encoder (--mmproj)`);
    if (part.type === "audio" && !support.audio)
      return refuse(part, "model_has_no_audio", `model ${model} has no audio input: audio needs a projector with an audio encoder (--mmproj)`);
  }
  return undefined;
}

/** Fetches and checks every part, then writes each to a file of its own; on any refusal nothing stays on disk. */
export async function stageMedia(parts: MediaPart[], policy: RemoteMediaPolicy, signal?: AbortSignal): Promise<MediaRef[] | { error: EngineErrorInfo }> {
  const loaded = await Promise.all(parts.map((part) => loadPart(part, policy, signal)));
  const failed = loaded.find((l) => "error" in l);
  if (failed) return failed as { error: EngineErrorInfo };
  const refs: MediaRef[] = [];
  try {
    for (const [i, part] of parts.entries()) {
      const bytes = (loaded[i] as { bytes: Uint8Array }).bytes;
      const path = join(mediaDir(), `${crypto.randomUUID()}.${part.type}`);
      writeFileSync(path, bytes, { mode: 0o600 });
      refs.push({ path, kind: part.type, param: part.param, id: new Bun.CryptoHasher("sha256").update(bytes).digest("hex") });
    }
  } catch (error) {
    removeMedia(refs);
    throw error;
  }
  return refs;
}

async function loadPart(part: MediaPart, policy: RemoteMediaPolicy, signal?: AbortSignal): Promise<{ bytes: Uint8Array } | { error: EngineErrorInfo }> {
  let bytes: Uint8Array;
  try {
    ({ bytes } = await loadMedia(part.url, part.type, policy, signal));
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return refuse(part, error.code, `${part.type}: ${error.message}`);
  }
  // Only what libmtmd decodes in-process gets through (a label can lie; the bytes cannot).
  const format = sniffMediaFormat(bytes);
  if (format?.kind !== part.type)
    return refuse(part, "media_undecodable", `cannot decode the ${part.type}: ${bytes.byteLength === 0 ? "the file is empty" : `not a ${FORMATS[part.type]} file`}`);
  return { bytes };
}

/** Deletes staged files (the runner deletes what it read; this catches the rest). */
export function removeMedia(refs: readonly MediaRef[] | undefined): void {
  for (const ref of refs ?? []) rmSync(ref.path, { force: true });
}
