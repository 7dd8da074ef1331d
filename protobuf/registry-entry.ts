import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RegistryEntry {
  record: Uint8Array<ArrayBuffer>
  trust: string
  verified: boolean
  storedAt: bigint
}

export namespace RegistryEntry {
  let _codec: Codec<RegistryEntry>

  export const codec = (): Codec<RegistryEntry> => {
    if (_codec == null) {
      _codec = message<RegistryEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.record)
        }

        if ((obj.trust != null && obj.trust !== '')) {
          w.uint32(18)
          w.string(obj.trust)
        }

        if ((obj.verified != null && obj.verified !== false)) {
          w.uint32(24)
          w.bool(obj.verified)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.storedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          record: uint8ArrayAlloc(0),
          trust: '',
          verified: false,
          storedAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.record = reader.bytes()
              break
            }
            case 2: {
              obj.trust = reader.string()
              break
            }
            case 3: {
              obj.verified = reader.bool()
              break
            }
            case 4: {
              obj.storedAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.trust`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.verified`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.storedAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RegistryEntryRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RegistryEntryTrustFieldEvent {
    field: '$.trust'
    value: string
  }

  export interface RegistryEntryVerifiedFieldEvent {
    field: '$.verified'
    value: boolean
  }

  export interface RegistryEntryStoredAtFieldEvent {
    field: '$.storedAt'
    value: bigint
  }

  export function encode (obj: Partial<RegistryEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RegistryEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryEntry>): RegistryEntry {
    return decodeMessage(buf, RegistryEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RegistryEntry>): Generator<RegistryEntryRecordFieldEvent | RegistryEntryTrustFieldEvent | RegistryEntryVerifiedFieldEvent | RegistryEntryStoredAtFieldEvent> {
    return streamMessage(buf, RegistryEntry.codec(), opts)
  }
}

export interface Pin {
  mlDsaPublicKey: Uint8Array<ArrayBuffer>
  fingerprint: Uint8Array<ArrayBuffer>
  highestSeq: bigint
  source: string
  anchorFingerprint: Uint8Array<ArrayBuffer>
  superseded: Uint8Array<ArrayBuffer>[]
}

export namespace Pin {
  let _codec: Codec<Pin>

  export const codec = (): Codec<Pin> => {
    if (_codec == null) {
      _codec = message<Pin>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.mlDsaPublicKey != null && obj.mlDsaPublicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.mlDsaPublicKey)
        }

        if ((obj.fingerprint != null && obj.fingerprint.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.fingerprint)
        }

        if ((obj.highestSeq != null && obj.highestSeq !== 0n)) {
          w.uint32(24)
          w.uint64(obj.highestSeq)
        }

        if ((obj.source != null && obj.source !== '')) {
          w.uint32(34)
          w.string(obj.source)
        }

        if ((obj.anchorFingerprint != null && obj.anchorFingerprint.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.anchorFingerprint)
        }

        if (obj.superseded != null && obj.superseded.length > 0) {
          for (const value of obj.superseded) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          mlDsaPublicKey: uint8ArrayAlloc(0),
          fingerprint: uint8ArrayAlloc(0),
          highestSeq: 0n,
          source: '',
          anchorFingerprint: uint8ArrayAlloc(0),
          superseded: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.mlDsaPublicKey = reader.bytes()
              break
            }
            case 2: {
              obj.fingerprint = reader.bytes()
              break
            }
            case 3: {
              obj.highestSeq = reader.uint64()
              break
            }
            case 4: {
              obj.source = reader.string()
              break
            }
            case 5: {
              obj.anchorFingerprint = reader.bytes()
              break
            }
            case 6: {
              if (opts.limits?.superseded != null && obj.superseded.length === opts.limits.superseded) {
                throw new MaxLengthError('Decode error - repeated field "superseded" had too many elements')
              }

              obj.superseded.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          superseded: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.mlDsaPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.fingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.highestSeq`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.source`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.anchorFingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              if (opts.limits?.superseded != null && obj.superseded === opts.limits.superseded) {
                throw new MaxLengthError('Streaming decode error - repeated field "superseded" had too many elements')
              }

              yield {
                field: `${prefix}.superseded[]`,
                index: obj.superseded,
                value: reader.bytes()
              }

              obj.superseded++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PinMlDsaPublicKeyFieldEvent {
    field: '$.mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PinFingerprintFieldEvent {
    field: '$.fingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PinHighestSeqFieldEvent {
    field: '$.highestSeq'
    value: bigint
  }

  export interface PinSourceFieldEvent {
    field: '$.source'
    value: string
  }

  export interface PinAnchorFingerprintFieldEvent {
    field: '$.anchorFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PinSupersededFieldEvent {
    field: '$.superseded[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Pin>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Pin.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pin>): Pin {
    return decodeMessage(buf, Pin.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Pin>): Generator<PinMlDsaPublicKeyFieldEvent | PinFingerprintFieldEvent | PinHighestSeqFieldEvent | PinSourceFieldEvent | PinAnchorFingerprintFieldEvent | PinSupersededFieldEvent> {
    return streamMessage(buf, Pin.codec(), opts)
  }
}

export interface Nonce {
  value: bigint
}

export namespace Nonce {
  let _codec: Codec<Nonce>

  export const codec = (): Codec<Nonce> => {
    if (_codec == null) {
      _codec = message<Nonce>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.value != null && obj.value !== 0n)) {
          w.uint32(8)
          w.uint64(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          value: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.value = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.value`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface NonceValueFieldEvent {
    field: '$.value'
    value: bigint
  }

  export function encode (obj: Partial<Nonce>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Nonce.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Nonce>): Nonce {
    return decodeMessage(buf, Nonce.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Nonce>): Generator<NonceValueFieldEvent> {
    return streamMessage(buf, Nonce.codec(), opts)
  }
}

export interface PeerSummary {
  trust: string
  verified: boolean
  expiresAt: bigint
  unsolicited: boolean
  storedAt: bigint
  checkedAt?: bigint
}

export namespace PeerSummary {
  let _codec: Codec<PeerSummary>

  export const codec = (): Codec<PeerSummary> => {
    if (_codec == null) {
      _codec = message<PeerSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.trust != null && obj.trust !== '')) {
          w.uint32(10)
          w.string(obj.trust)
        }

        if ((obj.verified != null && obj.verified !== false)) {
          w.uint32(16)
          w.bool(obj.verified)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if ((obj.unsolicited != null && obj.unsolicited !== false)) {
          w.uint32(32)
          w.bool(obj.unsolicited)
        }

        if ((obj.storedAt != null && obj.storedAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.storedAt)
        }

        if (obj.checkedAt != null) {
          w.uint32(48)
          w.uint64(obj.checkedAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          trust: '',
          verified: false,
          expiresAt: 0n,
          unsolicited: false,
          storedAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.trust = reader.string()
              break
            }
            case 2: {
              obj.verified = reader.bool()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 4: {
              obj.unsolicited = reader.bool()
              break
            }
            case 5: {
              obj.storedAt = reader.uint64()
              break
            }
            case 6: {
              obj.checkedAt = reader.uint64()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.trust`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.verified`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.unsolicited`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.storedAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.checkedAt`,
                value: reader.uint64()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeerSummaryTrustFieldEvent {
    field: '$.trust'
    value: string
  }

  export interface PeerSummaryVerifiedFieldEvent {
    field: '$.verified'
    value: boolean
  }

  export interface PeerSummaryExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface PeerSummaryUnsolicitedFieldEvent {
    field: '$.unsolicited'
    value: boolean
  }

  export interface PeerSummaryStoredAtFieldEvent {
    field: '$.storedAt'
    value: bigint
  }

  export interface PeerSummaryCheckedAtFieldEvent {
    field: '$.checkedAt'
    value: bigint
  }

  export function encode (obj: Partial<PeerSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerSummary>): PeerSummary {
    return decodeMessage(buf, PeerSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerSummary>): Generator<PeerSummaryTrustFieldEvent | PeerSummaryVerifiedFieldEvent | PeerSummaryExpiresAtFieldEvent | PeerSummaryUnsolicitedFieldEvent | PeerSummaryStoredAtFieldEvent | PeerSummaryCheckedAtFieldEvent> {
    return streamMessage(buf, PeerSummary.codec(), opts)
  }
}
