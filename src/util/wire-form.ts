/**
 * The wire form of keydir's protobuf messages, checked before any decoder
 * reads them, so that which error a hostile message gets depends on its
 * bytes alone, not on how a protobuf library happens to treat odd input
 * (docs/record-format.md, "Wire form"). Two classes, in this order:
 *
 * - `malformed`: the bytes are not a message of this schema at all. A tag
 *   or varint is truncated, longer than 10 bytes or above its type's range;
 *   a field number is 0 or above 2^29 - 1; a wire type is 3, 4 (groups), 6
 *   or 7; a length runs past the end; a known field has another wire type
 *   than the schema's; a nested message is malformed by the same rules.
 * - `not-canonical`: a message of the schema written in a second way. A
 *   field number the schema does not know; fields not in increasing order,
 *   or repeated (except a repeated field's elements, which are consecutive);
 *   a tag, length or value not a minimal varint; a field holding its
 *   default (0, or empty bytes), which the canonical form leaves out. A
 *   message field (or an element of a repeated one) is present or not:
 *   present and empty is not a default.
 *
 * A message that is malformed anywhere is malformed, whatever else it is.
 */

export type WireField =
  | { type: 'uint32' | 'uint64' | 'fixed64' | 'bytes' }
  | { type: 'message' | 'repeated-message', schema: WireSchema }

/** Field number -> its type. */
export type WireSchema = Readonly<Record<number, WireField>>

export type WireProblem = 'malformed' | 'not-canonical'

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5
const MAX_FIELD_NUMBER = 2 ** 29 - 1
const UINT32_MAX = 2 ** 32 - 1

/** The problem with `bytes` as a message of `schema`, or undefined if none. */
export function wireFormProblem (bytes: Uint8Array, schema: WireSchema): WireProblem | undefined {
  const walk = new Walk(bytes)
  walk.message(0, bytes.length, schema)
  if (walk.malformed) return 'malformed'
  return walk.notCanonical ? 'not-canonical' : undefined
}

/**
 * One pass over the bytes, with plain numbers: hostile input makes the walk
 * run to its end (malformed anywhere wins), so it must cost little per
 * byte. Varint values are exact below 2^53; above, they are only compared
 * with bounds they exceed anyway.
 */
class Walk {
  malformed = false
  notCanonical = false
  /** The value of the varint read last. */
  private varintValue = 0

  constructor (private readonly bytes: Uint8Array) {}

  message (start: number, end: number, schema: WireSchema): void {
    let at = start
    let previous = 0
    while (at < end && !this.malformed) {
      at = this.varint(at, end)
      if (at < 0) return
      const tag = this.varintValue
      const field = Math.floor(tag / 8)
      const wireType = tag % 8
      if (field === 0 || field > MAX_FIELD_NUMBER) {
        this.malformed = true
        return
      }
      const known = schema[field]
      const repeats = known?.type === 'repeated-message'
      if (field < previous || (field === previous && !repeats) || known === undefined) this.notCanonical = true
      previous = field
      if (known !== undefined && wireType !== wireTypeOf(known)) {
        this.malformed = true
        return
      }
      at = this.value(at, end, wireType, known)
      if (at < 0) return
    }
  }

  /** Walks one value of `wireType` at `at`; returns where the next field starts, or -1 when malformed. */
  private value (at: number, end: number, wireType: number, known: WireField | undefined): number {
    switch (wireType) {
      case WIRE_VARINT: {
        const next = this.varint(at, end)
        if (next < 0) return -1
        if (known?.type === 'uint32' && this.varintValue > UINT32_MAX) {
          this.malformed = true
          return -1
        }
        if (this.varintValue === 0) this.notCanonical = true
        return next
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const size = wireType === WIRE_FIXED64 ? 8 : 4
        if (end - at < size) {
          this.malformed = true
          return -1
        }
        let zero = true
        for (let i = at; i < at + size && zero; i++) zero = this.bytes[i] === 0
        if (zero) this.notCanonical = true
        return at + size
      }
      case WIRE_LENGTH_DELIMITED: {
        const start = this.varint(at, end)
        if (start < 0) return -1
        const length = this.varintValue
        if (length > end - start) {
          this.malformed = true
          return -1
        }
        const next = start + length
        if (known?.type === 'message' || known?.type === 'repeated-message') {
          this.message(start, next, known.schema)
        } else if (length === 0) {
          this.notCanonical = true
        }
        return next
      }
      default:
        this.malformed = true
        return -1
    }
  }

  /**
   * A varint of at most 10 bytes within 64 bits (its tenth byte 0 or 1);
   * a longer encoding than needed is not canonical. Sets varintValue and
   * returns where the varint ends, or -1 when malformed.
   */
  private varint (at: number, end: number): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 10 && at + i < end; i++) {
      const byte = this.bytes[at + i]
      if (i === 9 && byte > 1) break
      value += (byte & 0x7f) * scale
      if ((byte & 0x80) === 0) {
        // A last byte of zero after the first adds nothing: a shorter encoding exists.
        if (i > 0 && byte === 0) this.notCanonical = true
        this.varintValue = value
        return at + i + 1
      }
      scale *= 128
    }
    this.malformed = true
    return -1
  }
}

function wireTypeOf (field: WireField): number {
  switch (field.type) {
    case 'uint32':
    case 'uint64':
      return WIRE_VARINT
    case 'fixed64':
      return WIRE_FIXED64
    default:
      return WIRE_LENGTH_DELIMITED
  }
}
