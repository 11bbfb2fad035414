import { describe, expect, test } from "bun:test";
import { type SniffedType, sniffMediaType } from "../../net/sniff.ts";
import { bmp, flacHead, gif, jpegHead, mp3Frame, mp3Id3, oggHead, png, wav, webpHead } from "./mediaBytes.ts";

describe("sniffMediaType", () => {
  const cases: [string, () => Uint8Array, SniffedType][] = [
    ["PNG", () => png(), "image/png"],
    ["JPEG", jpegHead, "image/jpeg"],
    ["GIF", gif, "image/gif"],
    ["WebP", webpHead, "image/webp"],
    ["BMP", () => bmp(), "image/bmp"],
    ["WAV", () => wav(), "audio/wav"],
    ["MP3 frame", mp3Frame, "audio/mpeg"],
    ["MP3 with ID3", mp3Id3, "audio/mpeg"],
    ["FLAC", flacHead, "audio/flac"],
    ["Ogg", oggHead, "audio/ogg"],
  ];
  for (const [name, make, type] of cases) test(name, () => expect(sniffMediaType(make())).toBe(type));

  test("text, HTML, JSON, empty and truncated signatures are not media", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    for (const bytes of [
      enc("<!doctype html><html>"),
      enc('{"a":1}'),
      enc("BM is not enough"), // "BM" without a DIB header size
      new Uint8Array(),
      png().slice(0, 7),
      new Uint8Array([0xff, 0xd8]),
      enc("RIFF\0\0\0\0AVI "),
      new Uint8Array([0xff, 0xf1, 0x50, 0x80]), // ADTS AAC: layer bits 00
      new Uint8Array([0xff, 0xfb, 0xf0, 0x64]), // bitrate index 1111
      new Uint8Array([0xff, 0xfb, 0x9c, 0x64]), // sample-rate index 11
    ]) {
      expect(sniffMediaType(bytes)).toBeNull();
    }
  });
});
