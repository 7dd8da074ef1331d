/**
 * Whether two byte strings are equal, compared natively (memcmp): for
 * large ones, such as a whole envelope checked against its canonical
 * encoding, where uint8arrays' `equals` loops in JavaScript. Not
 * constant-time: for public bytes only.
 */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
