// GGUF header reader (layout: ggml/src/gguf.cpp): magic, version, counts, key/values, tensor
// infos. Reads the header only, in windows; large arrays (tokenizer vocab, merges) are stepped
// over, not kept, so a 150k-token vocab costs a walk over its lengths and no allocation.
import { ChunkedReader, GgufError } from "./reader.ts";

export { GgufError };

export enum GgufType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

const FIXED_SIZE: Partial<Record<GgufType, number>> = {
  [GgufType.UINT8]: 1,
  [GgufType.INT8]: 1,
  [GgufType.BOOL]: 1,
  [GgufType.UINT16]: 2,
  [GgufType.INT16]: 2,
  [GgufType.UINT32]: 4,
  [GgufType.INT32]: 4,
  [GgufType.FLOAT32]: 4,
  [GgufType.UINT64]: 8,
  [GgufType.INT64]: 8,
  [GgufType.FLOAT64]: 8,
};

/** An array longer than the reader keeps: its type and length only. */
export class SkippedArray {
  constructor(
    readonly itemType: GgufType,
    readonly length: number,
  ) {}
}

export type GgufValue = number | bigint | boolean | string | GgufValue[] | SkippedArray;

export interface GgufTensorInfo {
  name: string;
  /** ggml type id (GGML_TYPE_*). */
  type: number;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  /** Byte offset from the start of the data section. */
  offset: number;
}

export interface GgufMetadata {
  version: number;
  kv: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Absolute offset of the tensor data (the header's size). */
  dataOffset: number;
  /** The file's size in bytes. */
  fileSize: number;
}

export interface ReadOptions {
  /** Arrays longer than this are skipped (kept as SkippedArray). Per-layer arrays are far shorter. */
  maxArrayLength?: number;
}

const MAGIC = 0x46554747; // "GGUF" as a little-endian u32

export async function readGgufMetadata(path: string, options: ReadOptions = {}): Promise<GgufMetadata> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new GgufError(`${path}: file not found`);
  const reader = new ChunkedReader(file, path);
  const maxArrayLength = options.maxArrayLength ?? 1024;

  await reader.ensure(8);
  if (reader.u32() !== MAGIC) throw new GgufError(`${path}: not a GGUF file (bad magic)`);
  const version = reader.u32();
  // Version 1 used 32-bit counts (2023, long unsupported by llama.cpp); a byte-swapped number is a big-endian file.
  if (version < 2 || version > 3) throw new GgufError(`${path}: unsupported GGUF version ${version}`);
  const tensorCount = await reader.count("tensor count");
  const kvCount = await reader.count("key/value count");

  const kv = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await reader.string();
    await reader.ensure(4);
    const type = reader.u32();
    kv.set(key, await readValue(reader, type, maxArrayLength, path));
  }

  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = await reader.string();
    await reader.ensure(4);
    const nDims = reader.u32();
    if (nDims > 8) throw new GgufError(`${path}: tensor ${name} has ${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(await reader.count(`tensor ${name} dimension`));
    await reader.ensure(4);
    const type = reader.u32();
    const offset = await reader.count(`tensor ${name} offset`);
    tensors.push({ name, type, dims, offset });
  }

  const alignment = kv.get("general.alignment");
  const align = typeof alignment === "number" && alignment > 0 ? alignment : 32;
  const dataOffset = Math.ceil(reader.position / align) * align;
  return { version, kv, tensors, dataOffset, fileSize: reader.size };
}

async function readValue(reader: ChunkedReader, type: number, maxArrayLength: number, path: string): Promise<GgufValue> {
  if (type === GgufType.STRING) return reader.string();
  if (type === GgufType.ARRAY) {
    await reader.ensure(4);
    const itemType = reader.u32();
    const length = await reader.count("array length");
    if (length > maxArrayLength) {
      await skipItems(reader, itemType, length, path);
      return new SkippedArray(itemType, length);
    }
    const items: GgufValue[] = [];
    for (let i = 0; i < length; i++) items.push(await readValue(reader, itemType, maxArrayLength, path));
    return items;
  }
  const size = FIXED_SIZE[type as GgufType];
  if (size === undefined) throw new GgufError(`${path}: unknown GGUF value type ${type}`);
  await reader.ensure(size);
  switch (type as GgufType) {
    case GgufType.UINT8:
      return reader.u8();
    case GgufType.INT8:
      return reader.i8();
    case GgufType.BOOL:
      return reader.u8() !== 0;
    case GgufType.UINT16:
      return reader.u16();
    case GgufType.INT16:
      return reader.i16();
    case GgufType.UINT32:
      return reader.u32();
    case GgufType.INT32:
      return reader.i32();
    case GgufType.FLOAT32:
      return reader.f32();
    case GgufType.UINT64:
      return reader.u64();
    case GgufType.INT64:
      return reader.i64();
    default:
      return reader.f64();
  }
}

/** Steps over `length` items: fixed-size ones in one seek, strings by their lengths alone. */
async function skipItems(reader: ChunkedReader, itemType: number, length: number, path: string): Promise<void> {
  const size = FIXED_SIZE[itemType as GgufType];
  if (size !== undefined) {
    reader.skip(size * length);
    return;
  }
  if (itemType === GgufType.STRING) {
    for (let i = 0; i < length; i++) {
      // Most strings are short: read the length and step over the bytes within the window.
      if (reader.buffered() < 8) await reader.ensure(8);
      const n = reader.u64();
      if (typeof n !== "number") throw new GgufError(`${path}: string length ${n} is too large`);
      reader.skip(n);
    }
    return;
  }
  if (itemType === GgufType.ARRAY) {
    for (let i = 0; i < length; i++) {
      await reader.ensure(4);
      const inner = reader.u32();
      await skipItems(reader, inner, await reader.count("array length"), path);
    }
    return;
  }
  throw new GgufError(`${path}: unknown GGUF array item type ${itemType}`);
}

/** The architecture's key (`<arch>.<name>`), e.g. archValue(kv, "block_count"). */
export function archValue(kv: Map<string, GgufValue>, name: string): GgufValue | undefined {
  const arch = kv.get("general.architecture");
  return typeof arch === "string" ? kv.get(`${arch}.${name}`) : undefined;
}
