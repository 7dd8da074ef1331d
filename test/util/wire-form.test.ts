import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KEY_RECORD_WIRE } from '../../src/record/codec.js'
import { wireFormProblem, type WireSchema } from '../../src/util/wire-form.js'
import { concat, encodeField, encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'

const SCHEMA: WireSchema = {
  1: { type: 'bytes' },
  2: { type: 'uint64' },
  3: { type: 'message', schema: { 1: { type: 'bytes' }, 2: { type: 'uint32' } } },
  4: { type: 'repeated-message', schema: { 1: { type: 'bytes' } } },
  5: { type: 'uint32' },
  6: { type: 'fixed64' }
}
const bytesField = (field: number, value: number[]): Uint8Array => encodeField({ field, wireType: 2, value: Uint8Array.from(value) })
const varintField = (field: number, value: bigint | number, minBytes = 0): Uint8Array => concat([encodeVarint(BigInt(field) << 3n), encodeVarint(value, minBytes)])
const nested = (field: number, inner: Uint8Array): Uint8Array => encodeField({ field, wireType: 2, value: inner })
const valid = concat([bytesField(1, [1, 2]), varintField(2, 300), nested(3, concat([bytesField(1, [9]), varintField(2, 7)])), nested(4, bytesField(1, [1])), nested(4, bytesField(1, [2])), varintField(5, 2)])

describe('wire form', () => {
  it('passes a canonical message, with an empty message field and repeated elements', () => {
    assert.equal(wireFormProblem(valid, SCHEMA), undefined)
    assert.equal(wireFormProblem(new Uint8Array(0), SCHEMA), undefined)
    assert.equal(wireFormProblem(nested(3, new Uint8Array(0)), SCHEMA), undefined, 'a present, empty message is not a default')
    assert.equal(wireFormProblem(concat([nested(4, new Uint8Array(0)), nested(4, bytesField(1, [1]))]), SCHEMA), undefined, 'an empty element of a repeated field is not a default')
    assert.equal(wireFormProblem(varintField(2, 2n ** 64n - 1n), SCHEMA), undefined, 'the largest uint64')
    assert.equal(wireFormProblem(varintField(5, 2n ** 32n - 1n), SCHEMA), undefined, 'the largest uint32')
  })

  const malformed: Array<[string, Uint8Array]> = [
    ['truncated', valid.subarray(0, valid.length - 1)],
    ['a length past the end', concat([encodeVarint(1 << 3 | 2), encodeVarint(5), Uint8Array.of(1)])],
    ['a known varint field written length-delimited (seq as bytes)', bytesField(2, [1])],
    ['a known bytes field written as a varint', varintField(1, 1)],
    ['a group appended, at an unknown field number', concat([valid, Uint8Array.of(0x73, 0x74)])],
    ['wire type 6', concat([valid, Uint8Array.of(0x76)])],
    ['field number 0', concat([Uint8Array.of(0x02, 0x00)])],
    ['a varint of 11 bytes', concat([encodeVarint(2 << 3), Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)])],
    ['a varint above 2^64 - 1', concat([encodeVarint(2 << 3), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)])],
    ['a uint32 above 2^32 - 1', varintField(5, 2n ** 32n + 2n)],
    ['a nested message malformed', nested(3, bytesField(2, [1]))],
    ['a fixed64 cut short', concat([encodeVarint(6 << 3 | 1), Uint8Array.of(1, 2, 3)])],
    ['malformed after something not canonical', concat([bytesField(9, [1]), bytesField(2, [1])])]
  ]
  for (const [name, bytes] of malformed) {
    it(`calls ${name} malformed`, () => { assert.equal(wireFormProblem(bytes, SCHEMA), 'malformed') })
  }

  const notCanonical: Array<[string, Uint8Array]> = [
    ['an unknown field', concat([valid, bytesField(9, [1])])],
    ['an unknown fixed32 field', concat([valid, Uint8Array.of(9 << 3 | 5, 1, 0, 0, 0)])],
    ['fields out of order', concat([varintField(2, 300), bytesField(1, [1, 2])])],
    ['a field repeated (an empty field 1 appended)', concat([bytesField(1, [1, 2]), bytesField(1, [])])],
    ['a message field split in two', concat([nested(3, bytesField(1, [9])), nested(3, varintField(2, 7))])],
    ['a repeated field not consecutive', concat([nested(4, bytesField(1, [1])), varintField(5, 2), nested(4, bytesField(1, [2]))])],
    ['a value of 0 written out', varintField(2, 0)],
    ['an empty bytes field written out', bytesField(1, [])],
    ['a fixed64 of 0 written out', concat([encodeVarint(6 << 3 | 1), new Uint8Array(8)])],
    ['a non-minimal value', varintField(2, 300, 3)],
    ['a non-minimal tag', concat([encodeVarint(1 << 3 | 2, 2), encodeVarint(1), Uint8Array.of(7)])],
    ['a non-minimal length', concat([encodeVarint(1 << 3 | 2), encodeVarint(1, 2), Uint8Array.of(7)])],
    ['not canonical inside a nested message', nested(3, concat([varintField(2, 7), bytesField(1, [9])]))]
  ]
  for (const [name, bytes] of notCanonical) {
    it(`calls ${name} not canonical`, () => { assert.equal(wireFormProblem(bytes, SCHEMA), 'not-canonical') })
  }

  it('reads the record schema: the four cases an outside decoder could not decide', () => {
    // A record-shaped message is enough: the wire form is checked before any field's meaning.
    const record = encodeFields([
      { field: 1, wireType: 2, value: new Uint8Array(38).fill(1) },
      { field: 4, wireType: 0, value: encodeVarint(5) },
      { field: 7, wireType: 2, value: encodeFields([{ field: 1, wireType: 2, value: new Uint8Array(32) }, { field: 2, wireType: 2, value: new Uint8Array(8) }]) },
      { field: 9, wireType: 2, value: new Uint8Array(8).fill(2) }
    ])
    assert.equal(wireFormProblem(record, KEY_RECORD_WIRE), undefined)
    const fields = parseFields(record)!
    const seqAsBytes = encodeFields(fields.map(f => f.field === 4 ? { field: 4, wireType: 2, value: Uint8Array.of(5) } : f))
    assert.equal(wireFormProblem(seqAsBytes, KEY_RECORD_WIRE), 'malformed')
    assert.equal(wireFormProblem(concat([record, Uint8Array.of(0x73, 0x74)]), KEY_RECORD_WIRE), 'malformed')
    assert.equal(wireFormProblem(concat([record, Uint8Array.of(0x4a, 0x00)]), KEY_RECORD_WIRE), 'not-canonical')
    const rotation = parseFields(fields[2].value)!
    const split = encodeFields([fields[0], fields[1], { field: 7, wireType: 2, value: encodeFields([rotation[0]]) }, { field: 7, wireType: 2, value: encodeFields([rotation[1]]) }, fields[3]])
    assert.equal(wireFormProblem(split, KEY_RECORD_WIRE), 'not-canonical')
  })
})
