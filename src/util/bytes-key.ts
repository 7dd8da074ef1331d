/**
 * A string that stands for exactly these bytes, for Map and LRU keys:
 * latin1 gives one character per byte, so distinct bytes give distinct
 * strings, and it is the cheapest encoding to build (no copy of the bytes).
 */
export function bytesKey (bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString('latin1')
}
