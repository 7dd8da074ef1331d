/**
 * Builds the fixed-layout byte strings that keydir signs: big-endian
 * integers of fixed width and u16-length-prefixed byte fields, so any
 * language can rebuild them exactly.
 */
export class ByteWriter {
  private readonly parts: Uint8Array[] = []
  private length = 0

  bytes (bytes: Uint8Array): this {
    this.parts.push(bytes)
    this.length += bytes.length
    return this
  }

  u8 (value: number): this {
    return this.bytes(Uint8Array.of(value))
  }

  u16 (value: number): this {
    const out = new Uint8Array(2)
    new DataView(out.buffer).setUint16(0, value)
    return this.bytes(out)
  }

  u64 (value: number | bigint): this {
    const out = new Uint8Array(8)
    new DataView(out.buffer).setBigUint64(0, BigInt(value))
    return this.bytes(out)
  }

  /** Domain string, then a zero byte so no domain is a prefix of another's bytes. */
  domain (context: Uint8Array): this {
    return this.bytes(context).u8(0)
  }

  /** A u16 length, then the bytes. */
  prefixed (bytes: Uint8Array): this {
    return this.u16(bytes.length).bytes(bytes)
  }

  finish (): Uint8Array {
    const out = new Uint8Array(this.length)
    let offset = 0
    for (const part of this.parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }
}
