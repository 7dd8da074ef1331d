import fc from 'fast-check'
import { concat, encodeField, encodeFields, encodeVarint, parseFields } from '../helpers/protobuf-wire.js'
import type { WireField } from '../helpers/protobuf-wire.js'

/**
 * Mutation fuzzing of valid messages: a mutation is plain data (so that
 * fast-check prints and shrinks it), applied to a seed message with
 * `applyMutations`. Byte-level mutations (bit flips, truncation, trailing
 * bytes, splices) find decoder crashes; field-level ones (drop, duplicate,
 * swap, transplant from another message, wrong lengths, boundary integers,
 * non-minimal varints, nested mutation of an embedded message) reach the
 * checks behind the decoder.
 */

export type Mutation =
  | { kind: 'flip', at: number, bit: number }
  | { kind: 'set', at: number, byte: number }
  | { kind: 'truncate', at: number }
  | { kind: 'append', bytes: Uint8Array }
  | { kind: 'insert', at: number, bytes: Uint8Array }
  | { kind: 'delete', at: number, count: number }
  | { kind: 'splice', at: number, donor: number, from: number }
  | { kind: 'drop-field', index: number }
  | { kind: 'duplicate-field', index: number, atEnd: boolean }
  | { kind: 'swap-values', a: number, b: number }
  | { kind: 'reorder', a: number, b: number }
  | { kind: 'transplant', index: number, donor: number }
  | { kind: 'resize-field', index: number, delta: number }
  | { kind: 'random-value', index: number, bytes: Uint8Array }
  | { kind: 'int-value', index: number, value: bigint }
  | { kind: 'renumber', index: number, field: number, wireType: number }
  | { kind: 'non-minimal', extra: number }
  | { kind: 'nested', index: number, mutations: Mutation[] }

const INTERESTING_INTS = [0n, 1n, 2n, 127n, 128n, 0x7fffffffn, 0xffffffffn, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12]

const position = fc.nat({ max: 1 << 16 })
const smallBytes = fc.uint8Array({ minLength: 1, maxLength: 48 })

function leaf (): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: smallBytes }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: smallBytes }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('splice' as const), at: position, donor: fc.nat(), from: position }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop-field' as const), index: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('duplicate-field' as const), index: fc.nat(), atEnd: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('swap-values' as const), a: fc.nat(), b: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reorder' as const), a: fc.nat(), b: fc.nat() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('transplant' as const), index: fc.nat(), donor: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('resize-field' as const), index: fc.nat(), delta: fc.oneof(fc.integer({ min: -4, max: 4 }), fc.integer({ min: -4000, max: 4000 })) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('random-value' as const), index: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('int-value' as const), index: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_INTS), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('renumber' as const), index: fc.nat(), field: fc.integer({ min: 1, max: 20 }), wireType: fc.constantFrom(0, 1, 2, 5) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('non-minimal' as const), extra: fc.integer({ min: 1, max: 3 }) }) }
  )
}

/** One to four mutations, sometimes inside an embedded message (a record in a KeyRequest, the rotation proof in a record). */
export const mutations: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    { weight: 8, arbitrary: leaf() },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('nested' as const), index: fc.nat(), mutations: fc.array(leaf(), { minLength: 1, maxLength: 3 }) }) }
  ),
  { minLength: 1, maxLength: 4 }
)

function pick<T> (items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length]
}

function withFields (bytes: Uint8Array, edit: (fields: WireField[]) => WireField[] | undefined): Uint8Array {
  const fields = parseFields(bytes)
  if (fields === undefined || fields.length === 0) return bytes
  const edited = edit(fields.slice())
  return edited === undefined ? bytes : encodeFields(edited)
}

function apply (bytes: Uint8Array, m: Mutation, donors: readonly Uint8Array[]): Uint8Array {
  const len = bytes.length
  switch (m.kind) {
    case 'flip': {
      if (len === 0) return bytes
      const out = bytes.slice()
      out[m.at % len] ^= 1 << m.bit
      return out
    }
    case 'set': {
      if (len === 0) return bytes
      const out = bytes.slice()
      out[m.at % len] = m.byte
      return out
    }
    case 'truncate':
      return bytes.slice(0, len === 0 ? 0 : m.at % len)
    case 'append':
      return concat([bytes, m.bytes])
    case 'insert': {
      const at = m.at % (len + 1)
      return concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)])
    }
    case 'delete': {
      if (len === 0) return bytes
      const at = m.at % len
      return concat([bytes.subarray(0, at), bytes.subarray(at + m.count)])
    }
    case 'splice': {
      const donor = pick(donors, m.donor) ?? bytes
      return concat([bytes.subarray(0, m.at % (len + 1)), donor.subarray(m.from % (donor.length + 1))])
    }
    case 'drop-field':
      return withFields(bytes, f => { f.splice(m.index % f.length, 1); return f })
    case 'duplicate-field':
      return withFields(bytes, f => {
        const i = m.index % f.length
        if (m.atEnd) f.push(f[i])
        else f.splice(i, 0, f[i])
        return f
      })
    case 'swap-values':
      return withFields(bytes, f => {
        const a = m.a % f.length
        const b = m.b % f.length
        const va = f[a]
        f[a] = { ...va, wireType: f[b].wireType, value: f[b].value }
        f[b] = { ...f[b], wireType: va.wireType, value: va.value }
        return f
      })
    case 'reorder':
      return withFields(bytes, f => {
        const a = m.a % f.length
        const b = m.b % f.length;
        [f[a], f[b]] = [f[b], f[a]]
        return f
      })
    case 'transplant': {
      // The same field taken from another valid message: another peer's key, signature or record.
      const donor = pick(donors, m.donor)
      const donorFields = donor === undefined ? undefined : parseFields(donor)
      return withFields(bytes, f => {
        const i = m.index % f.length
        const from = donorFields?.find(d => d.field === f[i].field)
        if (from === undefined) return undefined
        f[i] = from
        return f
      })
    }
    case 'resize-field':
      return withFields(bytes, f => {
        const i = m.index % f.length
        if (f[i].wireType !== 2) return undefined
        const value = f[i].value
        const size = Math.max(0, value.length + m.delta)
        const resized = new Uint8Array(size)
        resized.set(value.subarray(0, size))
        f[i] = { ...f[i], value: resized }
        return f
      })
    case 'random-value':
      return withFields(bytes, f => {
        const i = m.index % f.length
        f[i] = { ...f[i], wireType: 2, value: m.bytes }
        return f
      })
    case 'int-value':
      return withFields(bytes, f => {
        const i = m.index % f.length
        f[i] = { ...f[i], wireType: 0, value: encodeVarint(m.value) }
        return f
      })
    case 'renumber':
      return withFields(bytes, f => {
        const i = m.index % f.length
        const value = m.wireType === 0
          ? encodeVarint(f[i].value.length)
          : m.wireType === 1 ? new Uint8Array(8) : m.wireType === 5 ? new Uint8Array(4) : f[i].value
        f[i] = { field: m.field, wireType: m.wireType, value }
        return f
      })
    case 'non-minimal': {
      const fields = parseFields(bytes)
      if (fields === undefined || fields.length === 0) return bytes
      return concat(fields.map(f => encodeField(f, { minVarintBytes: 1 + m.extra })))
    }
    case 'nested':
      return withFields(bytes, f => {
        const i = m.index % f.length
        if (f[i].wireType !== 2 || parseFields(f[i].value) === undefined) return undefined
        const nestedDonors = donors.flatMap(d => parseFields(d)?.filter(x => x.field === f[i].field).map(x => x.value) ?? [])
        f[i] = { ...f[i], value: applyMutations(f[i].value, m.mutations, nestedDonors) }
        return f
      })
  }
}

/** `seed` with every mutation applied in turn; `donors` are other valid messages of the same type. */
export function applyMutations (seed: Uint8Array, list: readonly Mutation[], donors: readonly Uint8Array[]): Uint8Array {
  let bytes = seed
  for (const m of list) {
    bytes = apply(bytes, m, donors)
  }
  return bytes
}

/** A hostile input and the seed it was made from (a random seed for noise). */
export interface HostileCase {
  seed: number
  bytes: Uint8Array
}

/**
 * Bytes for a decoder: mostly mutated seeds, some pure noise, some
 * oversized, some seeds unchanged (so acceptance paths run too).
 */
export function hostileCase (seeds: readonly Uint8Array[], options: { maxNoise?: number } = {}): fc.Arbitrary<HostileCase> {
  const seedIndex = fc.nat({ max: seeds.length - 1 })
  return fc.oneof(
    { weight: 14, arbitrary: fc.tuple(seedIndex, mutations).map(([seed, list]) => ({ seed, bytes: applyMutations(seeds[seed], list, seeds) })) },
    { weight: 3, arbitrary: fc.tuple(seedIndex, fc.uint8Array({ maxLength: options.maxNoise ?? 256 })).map(([seed, bytes]) => ({ seed, bytes })) },
    { weight: 1, arbitrary: fc.tuple(seedIndex, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([seed, b]) => ({ seed, bytes: concat([b, new Uint8Array(16 * 1024)]) })) },
    { weight: 1, arbitrary: seedIndex.map(seed => ({ seed, bytes: seeds[seed] })) }
  )
}

export function hostileBytes (seeds: readonly Uint8Array[], options: { maxNoise?: number } = {}): fc.Arbitrary<Uint8Array> {
  return hostileCase(seeds, options).map(c => c.bytes)
}

/** `arb` one time in `oneIn`, otherwise undefined (keep the seed's value). */
export function sometimes<T> (arb: fc.Arbitrary<T>, oneIn = 4): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })
}
