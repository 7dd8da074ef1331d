import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RevocationCertificate {
  peerId: Uint8Array<ArrayBuffer>
  mlDsaPublicKey: Uint8Array<ArrayBuffer>
  issuedAt: bigint
  reason: number
  rotation?: RotationProof
  libp2pSignature: Uint8Array<ArrayBuffer>
  mlDsaSignature: Uint8Array<ArrayBuffer>
}

export namespace RevocationCertificate {
  let _codec: Codec<RevocationCertificate>

  export const codec = (): Codec<RevocationCertificate> => {
    if (_codec == null) {
      _codec = message<RevocationCertificate>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
          w.uint32(130)
          w.bytes(obj.peerId)
        }

        if ((obj.mlDsaPublicKey != null && obj.mlDsaPublicKey.byteLength > 0)) {
          w.uint32(138)
          w.bytes(obj.mlDsaPublicKey)
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(144)
          w.uint64(obj.issuedAt)
        }

        if ((obj.reason != null && obj.reason !== 0)) {
          w.uint32(152)
          w.uint32(obj.reason)
        }

        if (obj.rotation != null) {
          w.uint32(162)
          RotationProof.codec().encode(obj.rotation, w)
        }

        if ((obj.libp2pSignature != null && obj.libp2pSignature.byteLength > 0)) {
          w.uint32(170)
          w.bytes(obj.libp2pSignature)
        }

        if ((obj.mlDsaSignature != null && obj.mlDsaSignature.byteLength > 0)) {
          w.uint32(178)
          w.bytes(obj.mlDsaSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: uint8ArrayAlloc(0),
          mlDsaPublicKey: uint8ArrayAlloc(0),
          issuedAt: 0n,
          reason: 0,
          libp2pSignature: uint8ArrayAlloc(0),
          mlDsaSignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 16: {
              obj.peerId = reader.bytes()
              break
            }
            case 17: {
              obj.mlDsaPublicKey = reader.bytes()
              break
            }
            case 18: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 19: {
              obj.reason = reader.uint32()
              break
            }
            case 20: {
              obj.rotation = RotationProof.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rotation
              })
              break
            }
            case 21: {
              obj.libp2pSignature = reader.bytes()
              break
            }
            case 22: {
              obj.mlDsaSignature = reader.bytes()
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
            case 16: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.bytes()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.mlDsaPublicKey`,
                value: reader.bytes()
              }
              break
            }
            case 18: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 19: {
              yield {
                field: `${prefix}.reason`,
                value: reader.uint32()
              }
              break
            }
            case 20: {
              yield * RotationProof.codec().stream(reader, reader.uint32(), `${prefix}.rotation`, {
                limits: opts.limits?.rotation
              })

              break
            }
            case 21: {
              yield {
                field: `${prefix}.libp2pSignature`,
                value: reader.bytes()
              }
              break
            }
            case 22: {
              yield {
                field: `${prefix}.mlDsaSignature`,
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

  export interface RevocationCertificatePeerIdFieldEvent {
    field: '$.peerId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevocationCertificateMlDsaPublicKeyFieldEvent {
    field: '$.mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevocationCertificateIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface RevocationCertificateReasonFieldEvent {
    field: '$.reason'
    value: number
  }

  export interface RevocationCertificateRotationPreviousFingerprintFieldEvent {
    field: '$.rotation.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevocationCertificateRotationSignatureFieldEvent {
    field: '$.rotation.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevocationCertificateLibp2pSignatureFieldEvent {
    field: '$.libp2pSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RevocationCertificateMlDsaSignatureFieldEvent {
    field: '$.mlDsaSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RevocationCertificate>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RevocationCertificate.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RevocationCertificate>): RevocationCertificate {
    return decodeMessage(buf, RevocationCertificate.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RevocationCertificate>): Generator<RevocationCertificatePeerIdFieldEvent | RevocationCertificateMlDsaPublicKeyFieldEvent | RevocationCertificateIssuedAtFieldEvent | RevocationCertificateReasonFieldEvent | RevocationCertificateRotationPreviousFingerprintFieldEvent | RevocationCertificateRotationSignatureFieldEvent | RevocationCertificateLibp2pSignatureFieldEvent | RevocationCertificateMlDsaSignatureFieldEvent> {
    return streamMessage(buf, RevocationCertificate.codec(), opts)
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
