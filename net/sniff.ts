// A media type from a file's first bytes, for servers that label media
// application/octet-stream. Only the formats the media path can decode.

export type SniffedType =
  | "image/png"
  | "image/jpeg"
  | "image/gif"
  | "image/webp"
  | "image/bmp"
  | "audio/wav"
  | "audio/mpeg"
  | "audio/flac"
  | "audio/ogg";

// BITMAPCOREHEADER, BITMAPINFOHEADER and its successors: "BM" alone is too weak a signature.
const BMP_DIB_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);

export function sniffMediaType(bytes: Uint8Array): SniffedType | null {
  const at = (offset: number, sig: string) =>
    bytes.length >= offset + sig.length && [...sig].every((c, i) => bytes[offset + i] === c.charCodeAt(0));
  const b = (i: number) => bytes[i] ?? -1;

  if (at(0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if (at(0, "GIF87a") || at(0, "GIF89a")) return "image/gif";
  if (at(0, "RIFF") && at(8, "WEBP")) return "image/webp";
  if ((at(0, "RIFF") || at(0, "RF64")) && at(8, "WAVE")) return "audio/wav";
  if (at(0, "BM") && bytes.length >= 18) {
    const dib = b(14) | (b(15) << 8) | (b(16) << 16) | (b(17) << 24);
    if (BMP_DIB_SIZES.has(dib)) return "image/bmp";
  }
  if (at(0, "fLaC")) return "audio/flac";
  if (at(0, "OggS")) return "audio/ogg";
  if (at(0, "ID3") || isMpegAudioFrame(b(0), b(1), b(2))) return "audio/mpeg";
  return null;
}

// An MPEG audio frame header: 11 sync bits, then a version, a layer (not 00: that is ADTS AAC),
// a bitrate index (not 1111) and a sample-rate index (not 11).
function isMpegAudioFrame(b0: number, b1: number, b2: number): boolean {
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0b11;
  const layer = (b1 >> 1) & 0b11;
  const bitrate = (b2 >> 4) & 0b1111;
  const rate = (b2 >> 2) & 0b11;
  return version !== 0b01 && layer !== 0 && bitrate !== 0b1111 && rate !== 0b11;
}
