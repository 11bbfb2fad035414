// Media files generated for the tests (no downloaded media). PNG, BMP, GIF and WAV are complete,
// decodable files; the others are the real leading bytes of their format, which is what
// sniffing reads.
import { deflateSync } from "node:zlib";

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u32le = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const u16le = (n: number) => [n & 255, (n >>> 8) & 255];

/** An RGB PNG of width × height, a gradient. */
export function png(width = 4, height = 4): Uint8Array<ArrayBuffer> {
  const raw: number[] = [];
  for (let y = 0; y < height; y++) {
    raw.push(0); // filter: none
    for (let x = 0; x < width; x++) raw.push((x * 255) / width, (y * 255) / height, 128);
  }
  const chunk = (type: string, data: number[]) => {
    const body = new Uint8Array([...ascii(type), ...data]);
    return [...u32be(data.length), ...body, ...u32be(Bun.hash.crc32(body))];
  };
  const ihdr = [...u32be(width), ...u32be(height), 8, 2, 0, 0, 0];
  return new Uint8Array([
    ...[0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a],
    ...chunk("IHDR", ihdr),
    ...chunk("IDAT", [...deflateSync(new Uint8Array(raw))]),
    ...chunk("IEND", []),
  ]);
}

/** A 24-bit BMP (BITMAPINFOHEADER) of width × height. */
export function bmp(width = 2, height = 2): Uint8Array<ArrayBuffer> {
  const row = Math.ceil((width * 3) / 4) * 4;
  const pixels = new Array<number>(row * height).fill(200);
  const header = [...ascii("BM"), ...u32le(54 + pixels.length), 0, 0, 0, 0, ...u32le(54)];
  const dib = [...u32le(40), ...u32le(width), ...u32le(height), ...u16le(1), ...u16le(24), ...u32le(0), ...u32le(pixels.length), ...u32le(2835), ...u32le(2835), ...u32le(0), ...u32le(0)];
  return new Uint8Array([...header, ...dib, ...pixels]);
}

/** A 1×1 GIF89a. */
export const gif = () =>
  new Uint8Array([...ascii("GIF89a"), 1, 0, 1, 0, 0x80, 0, 0, 255, 255, 255, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b]);

/** 16-bit mono PCM WAV: a 440 Hz sine. */
export function wav(seconds = 0.05, rate = 16000): Uint8Array<ArrayBuffer> {
  const n = Math.round(seconds * rate);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(...u16le(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000) & 0xffff));
  return new Uint8Array([
    ...ascii("RIFF"), ...u32le(36 + samples.length), ...ascii("WAVE"),
    ...ascii("fmt "), ...u32le(16), ...u16le(1), ...u16le(1), ...u32le(rate), ...u32le(rate * 2), ...u16le(2), ...u16le(16),
    ...ascii("data"), ...u32le(samples.length), ...samples,
  ]);
}

/** JPEG: SOI, then a JFIF APP0 segment. */
export const jpegHead = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...ascii("JFIF"), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
/** WebP: the RIFF container and a VP8 chunk header. */
export const webpHead = () => new Uint8Array([...ascii("RIFF"), ...u32le(30), ...ascii("WEBPVP8 "), ...u32le(18)]);
/** MP3: an MPEG-1 Layer III frame header, 128 kbit/s, 44.1 kHz, then silence. */
export const mp3Frame = () => new Uint8Array([0xff, 0xfb, 0x90, 0x64, ...new Array<number>(413).fill(0)]);
/** MP3 with an ID3v2 tag in front. */
export const mp3Id3 = () => new Uint8Array([...ascii("ID3"), 4, 0, 0, 0, 0, 0, 0, ...mp3Frame()]);
/** FLAC: the marker and a STREAMINFO block header. */
export const flacHead = () => new Uint8Array([...ascii("fLaC"), 0x80, 0, 0, 34, ...new Array<number>(34).fill(0)]);
/** Ogg: a first page header. */
export const oggHead = () => new Uint8Array([...ascii("OggS"), 0, 2, ...new Array<number>(20).fill(0)]);
