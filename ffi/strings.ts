// C string helpers: inputs NUL-terminated, outputs read from a caller-owned buffer.
const encoder = new TextEncoder();

export function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
