/** What hpke-js hands its primitives: an ArrayBuffer or a view of one. */
export type BufferInput = ArrayBufferLike | ArrayBufferView

/** A view of the input's bytes, without a copy. */
export function bytesOf (value: BufferInput): Uint8Array {
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value)
}

/** The bytes as an ArrayBuffer of their own, as hpke-js returns them. */
export function arrayBufferOf (bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}
