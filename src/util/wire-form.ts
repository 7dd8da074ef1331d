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
 *   message field is present or not: present and empty is not a default;
 *   nor is an empty element of a repeated field.
 *
 * A message that is malformed anywhere is malformed, whatever else it is.
 */

export type WireField =
  | { type: 'uint32' | 'uint64' | 'fixed64' | 'bytes' }
  | { type: 'repeated-bytes' }
  | { type: 'message' | 'repeated-message', schema: WireSchema }

/** Field number -> its type. */
export type WireSchema = Readonly<Record<number, WireField>>

export type WireProblem = 'malformed' | 'not-canonical'

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5
const MAX_FIELD_NUMBER = 2 ** 29 - 1
const UINT32_MAX = 2n ** 32n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/** The problem with `bytes` as a message of `schema`, or undefined if none. */
export function wireFormProblem (bytes: Uint8Array, schema: WireSchema): WireProblem | undefined {
  const walk = new Walk(bytes)
  walk.message(0, bytes.length, schema)
  if (walk.malformed) return 'malformed'
  return walk.notCanonical ? 'not-canonical' : undefined
}

class Walk {
  malformed = false
  notCanonical = false

  constructor (private readonly bytes: Uint8Array) {}

  message (start: number, end: number, schema: WireSchema): void {
    let at = start
    let previous = 0
    while (at < end && !this.malformed) {
      const tag = this.varint(at, end)
      if (tag === undefined) return
      at = tag.next
      const field = Number(tag.value >> 3n)
      const wireType = Number(tag.value & 7n)
      if (field === 0 || tag.value >> 3n > BigInt(MAX_FIELD_NUMBER)) {
        this.malformed = true
        return
      }
      const known = schema[field]
      const repeats = known !== undefined && (known.type === 'repeated-bytes' || known.type === 'repeated-message')
      if (field < previous || (field === previous && !repeats) || known === undefined) this.notCanonical = true
      previous = field
      if (known !== undefined && wireType !== wireTypeOf(known)) {
        this.malformed = true
        return
      }
      const next = this.value(at, end, wireType, known)
      if (next === undefined) return
      at = next
    }
  }

  /** Walks one value of `wireType` at `at`; returns where the next field starts, or undefined when malformed. */
  private value (at: number, end: number, wireType: number, known: WireField | undefined): number | undefined {
    switch (wireType) {
      case WIRE_VARINT: {
        const value = this.varint(at, end)
        if (value === undefined) return undefined
        if (known?.type === 'uint32' && value.value > UINT32_MAX) {
          this.malformed = true
          return undefined
        }
        if (value.value === 0n) this.notCanonical = true
        return value.next
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const size = wireType === WIRE_FIXED64 ? 8 : 4
        if (end - at < size) {
          this.malformed = true
          return undefined
        }
        if (this.bytes.subarray(at, at + size).every(b => b === 0)) this.notCanonical = true
        return at + size
      }
      case WIRE_LENGTH_DELIMITED: {
        const length = this.varint(at, end)
        if (length === undefined) return undefined
        if (length.value > BigInt(end - length.next)) {
          this.malformed = true
          return undefined
        }
        const next = length.next + Number(length.value)
        if (known?.type === 'message' || known?.type === 'repeated-message') {
          this.message(length.next, next, known.schema)
        } else if (length.value === 0n && known?.type !== 'repeated-bytes') {
          this.notCanonical = true
        }
        return next
      }
      default:
        this.malformed = true
        return undefined
    }
  }

  /** A varint of at most 10 bytes within 64 bits; a longer encoding than needed is not canonical. */
  private varint (at: number, end: number): { value: bigint, next: number } | undefined {
    let value = 0n
    for (let i = 0; i < 10; i++) {
      if (at + i >= end) break
      const byte = this.bytes[at + i]
      value |= BigInt(byte & 0x7f) << BigInt(7 * i)
      if ((byte & 0x80) === 0) {
        if (value > UINT64_MAX) break
        // A last byte of zero after the first adds nothing: a shorter encoding exists.
        if (i > 0 && byte === 0) this.notCanonical = true
        return { value, next: at + i + 1 }
      }
    }
    this.malformed = true
    return undefined
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
