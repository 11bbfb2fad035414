// libmtmd: a projector (mmproj GGUF) paired with a text Model turns images and audio into
// embeddings. Prompts become chunks (text tokens, image, audio) evaluated in their place.
import { CString, ptr, toArrayBuffer, type Pointer } from "bun:ffi";
import type { Context } from "./context.ts";
import { mtmdLib } from "./library.ts";
import { drainNativeLog } from "./log.ts";
import type { Model } from "./model.ts";
import { asPointer, cString, utf8 } from "./strings.ts";

export type ChunkType = "text" | "image" | "audio";
const CHUNK_TYPES: readonly ChunkType[] = ["text", "image", "audio"]; // enum mtmd_input_chunk_type

export interface MtmdOptions {
  gpu?: boolean;
  threads?: number;
  /** Runs one encode at load so the first request does not pay for graph allocation. */
  warmup?: boolean;
}

export interface TokenizeOptions {
  /** Adds the model's BOS (and EOS where the vocab wants it) like llama_tokenize's add_special. */
  addSpecial?: boolean;
  parseSpecial?: boolean;
}

export interface EvalOptions {
  /** Position of the chunk's first token in its sequence. */
  position: number;
  seqId: number;
  batchSize: number;
  /** Keep logits for the chunk's last token (a text chunk that ends the prompt). */
  logitsLast: boolean;
}

/**
 * The last lines libmtmd / llama.cpp logged, for error messages. Not drained before each call:
 * a verbose runner forwards the ring after every step, and those lines must not be lost.
 */
function nativeDetail(): string {
  const lines = drainNativeLog().trim().split("\n").filter(Boolean).slice(-3);
  return lines.length ? `: ${lines.join(" | ")}` : "";
}

/** The default media marker, "<__media__>": where a bitmap goes in the text given to tokenize. */
export function defaultMediaMarker(): string {
  return mtmdLib().mtmd_default_marker()?.toString() ?? "<__media__>";
}

export interface MediaFormat {
  kind: "image" | "audio";
  name: "PNG" | "JPEG" | "GIF" | "BMP" | "WAV" | "MP3" | "FLAC";
}

const SUPPORTED_FORMATS = "PNG, JPEG, GIF, BMP, WAV, MP3 or FLAC";

/** The format a file's first bytes announce, among those libmtmd decodes in-process; else undefined. */
export function sniffMediaFormat(bytes: Uint8Array): MediaFormat | undefined {
  const starts = (...prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);
  const ascii = (offset: number, text: string) => [...text].every((c, i) => bytes[offset + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return { kind: "image", name: "PNG" };
  if (starts(0xff, 0xd8, 0xff)) return { kind: "image", name: "JPEG" };
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return { kind: "image", name: "GIF" };
  if (ascii(0, "BM") && bytes.length > 26) return { kind: "image", name: "BMP" };
  // libmtmd's own audio test (mtmd-helper.cpp is_audio_file) needs 12 bytes.
  if (bytes.length < 12) return undefined;
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return { kind: "audio", name: "WAV" };
  if (ascii(0, "fLaC")) return { kind: "audio", name: "FLAC" };
  if (ascii(0, "ID3") || (bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0)) return { kind: "audio", name: "MP3" };
  return undefined;
}

export class MtmdContext {
  #handle: Pointer | null;
  /** Width of one embedding row: the text model's input embedding size. */
  readonly embeddingSize: number;

  private constructor(handle: Pointer, readonly model: Model) {
    this.#handle = handle;
    this.embeddingSize = mtmdLib().llama_model_n_embd_inp(model.handle);
  }

  /** Loads a projector for `model`; throws with libmtmd's reason (e.g. an n_embd mismatch). */
  static load(mmprojPath: string, model: Model, options: MtmdOptions = {}): MtmdContext {
    drainNativeLog(); // loading happens once, before serving: its error should carry its own lines only
    const handle = asPointer(mtmdLib().shim_mtmd_init(
      cString(mmprojPath), model.handle, options.gpu ?? true, options.threads ?? 4, options.warmup ?? true,
    ));
    if (!handle) throw new Error(`failed to load projector ${mmprojPath}${nativeDetail()}`);
    return new MtmdContext(handle, model);
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("multimodal context was freed");
    return this.#handle;
  }

  get supportsVision(): boolean {
    return mtmdLib().mtmd_support_vision(this.handle);
  }

  get supportsAudio(): boolean {
    return mtmdLib().mtmd_support_audio(this.handle);
  }

  /** Sample rate audio is resampled to; undefined without audio. */
  get audioSampleRate(): number | undefined {
    const rate = mtmdLib().mtmd_get_audio_sample_rate(this.handle);
    return rate > 0 ? rate : undefined;
  }

  /** M-RoPE models (Qwen2-VL...) give media chunks fewer positions than tokens. */
  get usesMrope(): boolean {
    return mtmdLib().mtmd_decode_use_mrope(this.handle);
  }

  /** Whether a media chunk is decoded with non-causal attention (Gemma 3 images). */
  usesNonCausal(chunk: MediaChunk): boolean {
    return mtmdLib().mtmd_decode_use_non_causal(this.handle, chunk.handle);
  }

  /**
   * Decodes an image (PNG, JPEG, GIF, BMP) or audio file (WAV, MP3, FLAC) into a bitmap whose id
   * is the SHA-256 of the bytes. Anything else is refused before it reaches a native decoder.
   * `sha256`: the bytes' hash when the caller has it (the server hashed the file as it staged it),
   * so an image is not hashed again (audio is hashed by libmtmd's helper).
   */
  bitmapFromBytes(bytes: Uint8Array, sha256?: string): Bitmap {
    if (bytes.byteLength === 0) throw new Error("cannot decode media: the file is empty");
    const format = sniffMediaFormat(bytes);
    if (!format) throw new Error(`cannot decode media: not a supported image or audio file (expected ${SUPPORTED_FORMATS})`);
    const l = mtmdLib();
    if (format.kind === "image") {
      if (!this.supportsVision) throw new Error(`cannot decode media: this model does not support image input (${format.name})`);
      const id = sha256 ?? new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      const handle = asPointer(l.shim_mtmd_bitmap_from_image(ptr(bytes), bytes.byteLength, cString(id)));
      if (!handle) throw new Error(`cannot decode media: invalid ${format.name} image (${l.shim_mtmd_image_error()})`);
      return new Bitmap(handle);
    }
    if (!this.supportsAudio) throw new Error(`cannot decode media: this model does not support audio input (${format.name})`);
    const handle = asPointer(l.shim_mtmd_bitmap_from_buf(this.handle, ptr(bytes), bytes.byteLength));
    if (!handle) throw new Error(`cannot decode media: invalid ${format.name} audio${nativeDetail()}`);
    return new Bitmap(handle);
  }

  /** Splits text with one marker per bitmap into chunks; the caller frees the result. */
  tokenize(text: string, bitmaps: Bitmap[], options: TokenizeOptions = {}): ChunkList {
    const chunks = asPointer(mtmdLib().mtmd_input_chunks_init());
    if (!chunks) throw new Error("could not allocate an input chunk list");
    const list = new ChunkList(chunks);
    const bytes = utf8(text);
    const pointers = new BigUint64Array(Math.max(1, bitmaps.length));
    bitmaps.forEach((bitmap, i) => (pointers[i] = BigInt(bitmap.handle)));
    const status = mtmdLib().shim_mtmd_tokenize(
      this.handle, chunks, bytes.byteLength ? ptr(bytes) : null, bytes.byteLength,
      options.addSpecial ?? true, options.parseSpecial ?? true, ptr(pointers), bitmaps.length,
    );
    if (status !== 0) {
      list.free();
      // libmtmd's log line says which (marker count, unsupported modality, preprocessing).
      throw new Error(`tokenize failed (${status})${nativeDetail()}`);
    }
    return list;
  }

  /** Runs the encoder on an image or audio chunk; its embeddings are then in `outputEmbeddings`. */
  encodeChunk(chunk: MediaChunk): void {
    if (chunk.type === "text") throw new Error("a text chunk has nothing to encode");
    const status = mtmdLib().mtmd_encode_chunk(this.handle, chunk.handle);
    if (status !== 0) throw new Error(`encoding the ${chunk.type} chunk failed (${status})${nativeDetail()}`);
  }

  /** A copy of the last encode's embeddings: chunk.tokens rows of `embeddingSize` floats. */
  outputEmbeddings(chunk: MediaChunk): Float32Array {
    const data = asPointer(mtmdLib().mtmd_get_output_embd(this.handle));
    if (!data) throw new Error("no embeddings: encode a chunk first");
    const length = chunk.tokens * this.embeddingSize;
    return new Float32Array(toArrayBuffer(data, 0, length * 4).slice(0));
  }

  /**
   * Decodes one chunk into a sequence of `context` (text tokens in batches; media encoded, then
   * its embeddings decoded). Returns the position after the chunk.
   */
  evalChunk(context: Context, chunk: MediaChunk, options: EvalOptions): number {
    // In and out: the text path adds to it, the media path sets it.
    const next = Int32Array.of(options.position);
    const status = mtmdLib().mtmd_helper_eval_chunk_single(
      this.handle, context.handle, chunk.handle, options.position, options.seqId, options.batchSize, options.logitsLast, ptr(next),
    );
    if (status !== 0) throw new Error(`evaluating the ${chunk.type} chunk failed (${status})${nativeDetail()}`);
    return next[0]!;
  }

  free(): void {
    if (!this.#handle) return;
    mtmdLib().mtmd_free(this.#handle);
    this.#handle = null;
  }
}

/** A decoded image (RGB) or audio clip (PCM float), with the SHA-256 of its file as id. */
export class Bitmap {
  #handle: Pointer | null;

  constructor(handle: Pointer) {
    this.#handle = handle;
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("bitmap was freed");
    return this.#handle;
  }

  get isAudio(): boolean {
    return mtmdLib().mtmd_bitmap_is_audio(this.handle);
  }

  /** Width in pixels, or the number of samples for audio. */
  get width(): number {
    return mtmdLib().mtmd_bitmap_get_nx(this.handle);
  }

  get height(): number {
    return mtmdLib().mtmd_bitmap_get_ny(this.handle);
  }

  get byteLength(): number {
    return Number(mtmdLib().mtmd_bitmap_get_n_bytes(this.handle));
  }

  get id(): string | undefined {
    const text = asPointer(mtmdLib().mtmd_bitmap_get_id(this.handle));
    return text ? new CString(text).toString() : undefined;
  }

  free(): void {
    if (!this.#handle) return;
    mtmdLib().mtmd_bitmap_free(this.#handle);
    this.#handle = null;
  }
}

/** What tokenize returns; its chunks are views that die with it (copy one to keep it). */
export class ChunkList {
  #handle: Pointer | null;

  constructor(handle: Pointer) {
    this.#handle = handle;
  }

  get handle(): Pointer {
    if (!this.#handle) throw new Error("chunk list was freed");
    return this.#handle;
  }

  get length(): number {
    return Number(mtmdLib().mtmd_input_chunks_size(this.handle));
  }

  at(index: number): MediaChunk {
    const handle = index >= 0 ? asPointer(mtmdLib().mtmd_input_chunks_get(this.handle, index)) : null;
    if (!handle) throw new Error(`no chunk ${index} in a list of ${this.length}`);
    return new MediaChunk(handle, this);
  }

  all(): MediaChunk[] {
    return Array.from({ length: this.length }, (_, i) => this.at(i));
  }

  get freed(): boolean {
    return this.#handle === null;
  }

  free(): void {
    if (!this.#handle) return;
    mtmdLib().mtmd_input_chunks_free(this.#handle);
    this.#handle = null;
  }
}

/** One chunk: a view into a ChunkList, or an owned copy (`copy()`) that outlives it. */
export class MediaChunk {
  #handle: Pointer | null;

  constructor(handle: Pointer, private readonly owner: ChunkList | null) {
    this.#handle = handle;
  }

  get handle(): Pointer {
    if (!this.#handle || this.owner?.freed) throw new Error("chunk was freed");
    return this.#handle;
  }

  get type(): ChunkType {
    const type = CHUNK_TYPES[mtmdLib().mtmd_input_chunk_get_type(this.handle)];
    if (!type) throw new Error("unknown chunk type");
    return type;
  }

  /** Tokens (text) or embedding rows (media) the chunk takes in the context. */
  get tokens(): number {
    return Number(mtmdLib().mtmd_input_chunk_get_n_tokens(this.handle));
  }

  /** Positions the chunk advances (fewer than tokens with M-RoPE). */
  get positions(): number {
    return mtmdLib().mtmd_input_chunk_get_n_pos(this.handle);
  }

  /** For media: the id of its bitmap (SHA-256 of the file bytes); undefined for text. */
  get id(): string | undefined {
    const text = asPointer(mtmdLib().mtmd_input_chunk_get_id(this.handle));
    return text ? new CString(text).toString() : undefined;
  }

  /** A text chunk's token ids (a copy); empty for media. */
  textTokens(): Int32Array {
    const count = new BigUint64Array(1);
    const data = asPointer(mtmdLib().mtmd_input_chunk_get_tokens_text(this.handle, ptr(count)));
    const n = Number(count[0]);
    if (!data || n === 0) return new Int32Array(0);
    return new Int32Array(toArrayBuffer(data, 0, n * 4).slice(0));
  }

  /** An owned copy that stays valid after its list is freed; free it when done. */
  copy(): MediaChunk {
    const handle = asPointer(mtmdLib().mtmd_input_chunk_copy(this.handle));
    if (!handle) throw new Error("could not copy the chunk");
    return new MediaChunk(handle, null);
  }

  /** Frees an owned copy; a view is freed with its list. */
  free(): void {
    if (this.owner) return;
    if (!this.#handle) return;
    mtmdLib().mtmd_input_chunk_free(this.#handle);
    this.#handle = null;
  }
}
