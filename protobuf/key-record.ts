import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface KeyRecord {
  peerId: Uint8Array<ArrayBuffer>
  mlDsaPublicKey: Uint8Array<ArrayBuffer>
  mlKemPublicKey: Uint8Array<ArrayBuffer>
  seq: bigint
  issuedAt: bigint
  expiresAt: bigint
  rotation?: RotationProof
  libp2pSignature: Uint8Array<ArrayBuffer>
  mlDsaSignature: Uint8Array<ArrayBuffer>
  previousRecordHash: Uint8Array<ArrayBuffer>
  history: RotationLink[]
  version: number
  x25519PublicKey: Uint8Array<ArrayBuffer>
}

export namespace KeyRecord {
  let _codec: Codec<KeyRecord>

  export const codec = (): Codec<KeyRecord> => {
    if (_codec == null) {
      _codec = message<KeyRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.peerId)
        }

        if ((obj.mlDsaPublicKey != null && obj.mlDsaPublicKey.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.mlDsaPublicKey)
        }

        if ((obj.mlKemPublicKey != null && obj.mlKemPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.mlKemPublicKey)
        }

        if ((obj.seq != null && obj.seq !== 0n)) {
          w.uint32(32)
          w.uint64(obj.seq)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.issuedAt)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.expiresAt)
        }

        if (obj.rotation != null) {
          w.uint32(58)
          RotationProof.codec().encode(obj.rotation, w)
        }

        if ((obj.libp2pSignature != null && obj.libp2pSignature.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.libp2pSignature)
        }

        if ((obj.mlDsaSignature != null && obj.mlDsaSignature.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.mlDsaSignature)
        }

        if ((obj.previousRecordHash != null && obj.previousRecordHash.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.previousRecordHash)
        }

        if (obj.history != null && obj.history.length > 0) {
          for (const value of obj.history) {
            w.uint32(90)
            RotationLink.codec().encode(value, w)
          }
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(96)
          w.uint32(obj.version)
        }

        if ((obj.x25519PublicKey != null && obj.x25519PublicKey.byteLength > 0)) {
          w.uint32(106)
          w.bytes(obj.x25519PublicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          mlDsaPublicKey: uint8ArrayAlloc(0),
          mlKemPublicKey: uint8ArrayAlloc(0),
          seq: 0n,
          issuedAt: 0n,
          expiresAt: 0n,
          libp2pSignature: uint8ArrayAlloc(0),
          mlDsaSignature: uint8ArrayAlloc(0),
          previousRecordHash: uint8ArrayAlloc(0),
          history: [],
          version: 0,
          x25519PublicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.bytes()
              break
            }
            case 2: {
              obj.mlDsaPublicKey = reader.bytes()
              break
            }
            case 3: {
              obj.mlKemPublicKey = reader.bytes()
              break
            }
            case 4: {
              obj.seq = reader.uint64()
              break
            }
            case 5: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 6: {
              obj.expiresAt = reader.uint64()
              break
            }
            case 7: {
              obj.rotation = RotationProof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rotation
              })
              break
            }
            case 8: {
              obj.libp2pSignature = reader.bytes()
              break
            }
            case 9: {
              obj.mlDsaSignature = reader.bytes()
              break
            }
            case 10: {
              obj.previousRecordHash = reader.bytes()
              break
            }
            case 11: {
              if (opts.limits?.history != null && obj.history.length === opts.limits.history) {
                throw new MaxLengthError('Decode error - repeated field "history" had too many elements')
              }

              obj.history.push(RotationLink.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.history$
              }))
              break
            }
            case 12: {
              obj.version = reader.uint32()
              break
            }
            case 13: {
              obj.x25519PublicKey = reader.bytes()
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
          history: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mlDsaPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mlKemPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield * RotationProof.codec().stream(reader, reader.uint32(), `${prefix}.rotation`, {
                limits: opts.limits?.rotation
              })

              break
            }
            case 8: {
              yield {
                field: `${prefix}.libp2pSignature`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.mlDsaSignature`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.previousRecordHash`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              if (opts.limits?.history != null && obj.history === opts.limits.history) {
                throw new MaxLengthError('Streaming decode error - repeated field "history" had too many elements')
              }

              for (const evt of RotationLink.codec().stream(reader, reader.uint32(), `${prefix}.history[]`, {
                limits: opts.limits?.history$
              })) {
                yield {
                  ...evt,
                  index: obj.history
                }
              }

              obj.history++

              break
            }
            case 12: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.x25519PublicKey`,
                value: reader.bytes()
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

  export interface KeyRecordPeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordMlDsaPublicKeyFieldEvent {
    field: '$.mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordMlKemPublicKeyFieldEvent {
    field: '$.mlKemPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordSeqFieldEvent {
    field: '$.seq'
    value: bigint
  }

  export interface KeyRecordIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface KeyRecordExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export interface KeyRecordRotationPreviousFingerprintFieldEvent {
    field: '$.rotation.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordRotationSignatureFieldEvent {
    field: '$.rotation.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordLibp2pSignatureFieldEvent {
    field: '$.libp2pSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordMlDsaSignatureFieldEvent {
    field: '$.mlDsaSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordPreviousRecordHashFieldEvent {
    field: '$.previousRecordHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRecordHistoryPreviousFingerprintFieldEvent {
    field: '$.history[].previousFingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface KeyRecordHistorySignatureFieldEvent {
    field: '$.history[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface KeyRecordHistoryMlDsaPublicKeyFieldEvent {
    field: '$.history[].mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface KeyRecordVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface KeyRecordX25519PublicKeyFieldEvent {
    field: '$.x25519PublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyRecord>): KeyRecord {
    return decodeMessage(buf, KeyRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyRecord>): Generator<KeyRecordPeerIdFieldEvent | KeyRecordMlDsaPublicKeyFieldEvent | KeyRecordMlKemPublicKeyFieldEvent | KeyRecordSeqFieldEvent | KeyRecordIssuedAtFieldEvent | KeyRecordExpiresAtFieldEvent | KeyRecordRotationPreviousFingerprintFieldEvent | KeyRecordRotationSignatureFieldEvent | KeyRecordLibp2pSignatureFieldEvent | KeyRecordMlDsaSignatureFieldEvent | KeyRecordPreviousRecordHashFieldEvent | KeyRecordHistoryPreviousFingerprintFieldEvent | KeyRecordHistorySignatureFieldEvent | KeyRecordHistoryMlDsaPublicKeyFieldEvent | KeyRecordVersionFieldEvent | KeyRecordX25519PublicKeyFieldEvent> {
    return streamMessage(buf, KeyRecord.codec(), opts)
  }
}

export interface RotationProof {
  previousFingerprint: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace RotationProof {
  let _codec: Codec<RotationProof>

  export const codec = (): Codec<RotationProof> => {
    if (_codec == null) {
      _codec = message<RotationProof>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.previousFingerprint != null && obj.previousFingerprint.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.previousFingerprint)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          previousFingerprint: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.previousFingerprint = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.previousFingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
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

  export interface RotationProofPreviousFingerprintFieldEvent {
    field: '$.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RotationProofSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RotationProof>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RotationProof.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RotationProof>): RotationProof {
    return decodeMessage(buf, RotationProof.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RotationProof>): Generator<RotationProofPreviousFingerprintFieldEvent | RotationProofSignatureFieldEvent> {
    return streamMessage(buf, RotationProof.codec(), opts)
  }
}

export interface RotationLink {
  previousFingerprint: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  mlDsaPublicKey: Uint8Array<ArrayBuffer>
}

export namespace RotationLink {
  let _codec: Codec<RotationLink>

  export const codec = (): Codec<RotationLink> => {
    if (_codec == null) {
      _codec = message<RotationLink>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.previousFingerprint != null && obj.previousFingerprint.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.previousFingerprint)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.signature)
        }

        if ((obj.mlDsaPublicKey != null && obj.mlDsaPublicKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.mlDsaPublicKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          previousFingerprint: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          mlDsaPublicKey: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.previousFingerprint = reader.bytes()
              break
            }
            case 2: {
              obj.signature = reader.bytes()
              break
            }
            case 3: {
              obj.mlDsaPublicKey = reader.bytes()
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
                field: `${prefix}.previousFingerprint`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.mlDsaPublicKey`,
                value: reader.bytes()
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

  export interface RotationLinkPreviousFingerprintFieldEvent {
    field: '$.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RotationLinkSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RotationLinkMlDsaPublicKeyFieldEvent {
    field: '$.mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RotationLink>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RotationLink.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RotationLink>): RotationLink {
    return decodeMessage(buf, RotationLink.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RotationLink>): Generator<RotationLinkPreviousFingerprintFieldEvent | RotationLinkSignatureFieldEvent | RotationLinkMlDsaPublicKeyFieldEvent> {
    return streamMessage(buf, RotationLink.codec(), opts)
  }
}
