/**
 * Just enough of the protobuf wire format to take a message apart into its
 * fields and put it back together, so mutations can work on fields (drop,
 * duplicate, swap, reorder, re-encode a length non-minimally) as well as on
 * bytes. Knows nothing of any schema.
 */

export interface WireField {
  /** Field number. */
  field: number
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3/4 groups are not parsed). */
  wireType: number
  /** The value's bytes as they follow the tag: the varint, the 8 or 4 bytes, or the length-delimited payload without its length. */
  value: Uint8Array
}

function readVarint (bytes: Uint8Array, offset: number): [bigint, number] | undefined {
  let result = 0n
  let shift = 0n
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i]
    result |= BigInt(byte & 0x7f) << shift
    shift += 7n
    if ((byte & 0x80) === 0) return [result, i + 1]
  }
  return undefined
}

export function encodeVarint (value: bigint | number, minBytes = 0): Uint8Array {
  let v = BigInt(value)
  const out: number[] = []
  do {
    out.push(Number(v & 0x7fn))
    v >>= 7n
  } while (v > 0n)
  // Pad to a non-minimal (but valid) encoding: 0x80 continuation bytes then a 0.
  while (out.length < minBytes) out.push(0)
  for (let i = 0; i < out.length - 1; i++) out[i] |= 0x80
  return Uint8Array.from(out)
}

/** The fields of a message, or undefined when the bytes are not a well-formed sequence of fields. */
export function parseFields (bytes: Uint8Array): WireField[] | undefined {
  const fields: WireField[] = []
  let offset = 0
  while (offset < bytes.length) {
    const tag = readVarint(bytes, offset)
    if (tag === undefined) return undefined
    const [key, afterTag] = tag
    const field = Number(key >> 3n)
    const wireType = Number(key & 7n)
    let end: number
    let start = afterTag
    if (wireType === 0) {
      const v = readVarint(bytes, afterTag)
      if (v === undefined) return undefined
      end = v[1]
    } else if (wireType === 1) {
      end = afterTag + 8
    } else if (wireType === 5) {
      end = afterTag + 4
    } else if (wireType === 2) {
      const len = readVarint(bytes, afterTag)
      if (len === undefined) return undefined
      start = len[1]
      end = start + Number(len[0])
    } else {
      return undefined
    }
    if (end > bytes.length) return undefined
    fields.push({ field, wireType, value: bytes.subarray(start, end) })
    offset = end
  }
  return fields
}

export interface EncodeOptions {
  /** Encode tags and lengths with at least this many bytes (non-minimal varints). */
  minVarintBytes?: number
}

export function encodeField (f: WireField, options: EncodeOptions = {}): Uint8Array {
  const tag = encodeVarint((BigInt(f.field) << 3n) | BigInt(f.wireType), options.minVarintBytes)
  const length = f.wireType === 2 ? encodeVarint(f.value.length, options.minVarintBytes) : new Uint8Array(0)
  return concat([tag, length, f.value])
}

export function encodeFields (fields: WireField[], options: EncodeOptions = {}): Uint8Array {
  return concat(fields.map(f => encodeField(f, options)))
}

export function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
