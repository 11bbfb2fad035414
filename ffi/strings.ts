import type { Pointer } from "bun:ffi";

// C string and pointer helpers: inputs NUL-terminated, outputs read from a caller-owned buffer.
const encoder = new TextEncoder();

export function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** bun:ffi types a returned pointer as Pointer | bigint | null; the wrappers hold Pointers. */
export function asPointer(value: Pointer | bigint | null): Pointer | null {
  if (value === null || value === 0 || value === 0n) return null;
  return (typeof value === "bigint" ? Number(value) : value) as Pointer;
}
