/**
 * Builds the fixed-layout byte strings that keydir signs: big-endian
 * integers of fixed width and u16-length-prefixed byte fields, so any
 * language can rebuild them exactly.
 *
 * Everything is written into one buffer, taken from Node's shared pool
 * where it fits: a record's signed bytes are built on every validation, and
 * a small array per integer, or a fresh zeroed allocation, cost more than
 * copying the keys in. Every byte handed out has been written.
 */
export class ByteWriter {
  private buffer: Uint8Array
  private view: DataView
  private length = 0

  /** `capacity`: the final length when the caller knows it, so that nothing is reallocated. */
  constructor (capacity = 256) {
    this.buffer = Buffer.allocUnsafe(capacity)
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength)
  }

  bytes (bytes: Uint8Array): this {
    this.reserve(bytes.length).set(bytes, this.length)
    this.length += bytes.length
    return this
  }

  u8 (value: number): this {
    this.reserve(1)[this.length++] = value
    return this
  }

  u16 (value: number): this {
    this.reserve(2)
    this.view.setUint16(this.length, value)
    this.length += 2
    return this
  }

  u32 (value: number): this {
    this.reserve(4)
    this.view.setUint32(this.length, value)
    this.length += 4
    return this
  }

  u64 (value: number | bigint): this {
    this.reserve(8)
    this.view.setBigUint64(this.length, BigInt(value))
    this.length += 8
    return this
  }

  /** Domain string, then a zero byte so no domain is a prefix of another's bytes. */
  domain (context: Uint8Array): this {
    return this.bytes(context).u8(0)
  }

  /** A u16 length, then the bytes. */
  prefixed (bytes: Uint8Array): this {
    return this.u16(bytes.length).bytes(bytes)
  }

  /** The bytes written, and nothing past them. */
  finish (): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }

  /** The buffer, grown to hold `more` bytes after those written. */
  private reserve (more: number): Uint8Array {
    if (this.length + more > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + more))
      grown.set(this.buffer.subarray(0, this.length))
      this.buffer = grown
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength)
    }
    return this.buffer
  }
}
