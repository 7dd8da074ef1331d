import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PqIdentity {
  mlDsaSeed: Uint8Array<ArrayBuffer>
  mlKemSeed: Uint8Array<ArrayBuffer>
  rotation?: Rotation
  history: HandOver[]
  kemSeed: Uint8Array<ArrayBuffer>
  retiredKem: RetiredKem[]
}

export namespace PqIdentity {
  let _codec: Codec<PqIdentity>

  export const codec = (): Codec<PqIdentity> => {
    if (_codec == null) {
      _codec = message<PqIdentity>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.mlDsaSeed != null && obj.mlDsaSeed.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.mlDsaSeed)
        }

        if ((obj.mlKemSeed != null && obj.mlKemSeed.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.mlKemSeed)
        }

        if (obj.rotation != null) {
          w.uint32(26)
          Rotation.codec().encode(obj.rotation, w)
        }

        if (obj.history != null && obj.history.length > 0) {
          for (const value of obj.history) {
            w.uint32(34)
            HandOver.codec().encode(value, w)
          }
        }

        if ((obj.kemSeed != null && obj.kemSeed.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.kemSeed)
        }

        if (obj.retiredKem != null && obj.retiredKem.length > 0) {
          for (const value of obj.retiredKem) {
            w.uint32(50)
            RetiredKem.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          mlDsaSeed: uint8ArrayAlloc(0),
          mlKemSeed: uint8ArrayAlloc(0),
          history: [],
          kemSeed: uint8ArrayAlloc(0),
          retiredKem: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.mlDsaSeed = reader.bytes()
              break
            }
            case 2: {
              obj.mlKemSeed = reader.bytes()
              break
            }
            case 3: {
              obj.rotation = Rotation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rotation
              })
              break
            }
            case 4: {
              if (opts.limits?.history != null && obj.history.length === opts.limits.history) {
                throw new MaxLengthError('Decode error - repeated field "history" had too many elements')
              }

              obj.history.push(HandOver.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.history$
              }))
              break
            }
            case 5: {
              obj.kemSeed = reader.bytes()
              break
            }
            case 6: {
              if (opts.limits?.retiredKem != null && obj.retiredKem.length === opts.limits.retiredKem) {
                throw new MaxLengthError('Decode error - repeated field "retiredKem" had too many elements')
              }

              obj.retiredKem.push(RetiredKem.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.retiredKem$
              }))
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
          history: 0,
          retiredKem: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.mlDsaSeed`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mlKemSeed`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield * Rotation.codec().stream(reader, reader.uint32(), `${prefix}.rotation`, {
                limits: opts.limits?.rotation
              })

              break
            }
            case 4: {
              if (opts.limits?.history != null && obj.history === opts.limits.history) {
                throw new MaxLengthError('Streaming decode error - repeated field "history" had too many elements')
              }

              for (const evt of HandOver.codec().stream(reader, reader.uint32(), `${prefix}.history[]`, {
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
            case 5: {
              yield {
                field: `${prefix}.kemSeed`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              if (opts.limits?.retiredKem != null && obj.retiredKem === opts.limits.retiredKem) {
                throw new MaxLengthError('Streaming decode error - repeated field "retiredKem" had too many elements')
              }

              for (const evt of RetiredKem.codec().stream(reader, reader.uint32(), `${prefix}.retiredKem[]`, {
                limits: opts.limits?.retiredKem$
              })) {
                yield {
                  ...evt,
                  index: obj.retiredKem
                }
              }

              obj.retiredKem++

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

  export interface PqIdentityMlDsaSeedFieldEvent {
    field: '$.mlDsaSeed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PqIdentityMlKemSeedFieldEvent {
    field: '$.mlKemSeed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PqIdentityRotationPreviousFingerprintFieldEvent {
    field: '$.rotation.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PqIdentityRotationSignatureFieldEvent {
    field: '$.rotation.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PqIdentityHistoryPreviousFingerprintFieldEvent {
    field: '$.history[].previousFingerprint'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PqIdentityHistorySignatureFieldEvent {
    field: '$.history[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PqIdentityHistoryMlDsaPublicKeyFieldEvent {
    field: '$.history[].mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PqIdentityKemSeedFieldEvent {
    field: '$.kemSeed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PqIdentityRetiredKemKemSeedFieldEvent {
    field: '$.retiredKem[].kemSeed'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface PqIdentityRetiredKemLastSeqFieldEvent {
    field: '$.retiredKem[].lastSeq'
    value: bigint
    index: number
  }

  export interface PqIdentityRetiredKemRetiredAtFieldEvent {
    field: '$.retiredKem[].retiredAt'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<PqIdentity>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PqIdentity.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PqIdentity>): PqIdentity {
    return decodeMessage(buf, PqIdentity.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PqIdentity>): Generator<PqIdentityMlDsaSeedFieldEvent | PqIdentityMlKemSeedFieldEvent | PqIdentityRotationPreviousFingerprintFieldEvent | PqIdentityRotationSignatureFieldEvent | PqIdentityHistoryPreviousFingerprintFieldEvent | PqIdentityHistorySignatureFieldEvent | PqIdentityHistoryMlDsaPublicKeyFieldEvent | PqIdentityKemSeedFieldEvent | PqIdentityRetiredKemKemSeedFieldEvent | PqIdentityRetiredKemLastSeqFieldEvent | PqIdentityRetiredKemRetiredAtFieldEvent> {
    return streamMessage(buf, PqIdentity.codec(), opts)
  }
}

export interface RetiredKem {
  kemSeed: Uint8Array<ArrayBuffer>
  lastSeq: bigint
  retiredAt: bigint
}

export namespace RetiredKem {
  let _codec: Codec<RetiredKem>

  export const codec = (): Codec<RetiredKem> => {
    if (_codec == null) {
      _codec = message<RetiredKem>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kemSeed != null && obj.kemSeed.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.kemSeed)
        }

        if ((obj.lastSeq != null && obj.lastSeq !== 0n)) {
          w.uint32(16)
          w.uint64(obj.lastSeq)
        }

        if ((obj.retiredAt != null && obj.retiredAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.retiredAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kemSeed: uint8ArrayAlloc(0),
          lastSeq: 0n,
          retiredAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kemSeed = reader.bytes()
              break
            }
            case 2: {
              obj.lastSeq = reader.uint64()
              break
            }
            case 3: {
              obj.retiredAt = reader.uint64()
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
                field: `${prefix}.kemSeed`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.lastSeq`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.retiredAt`,
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

  export interface RetiredKemKemSeedFieldEvent {
    field: '$.kemSeed'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RetiredKemLastSeqFieldEvent {
    field: '$.lastSeq'
    value: bigint
  }

  export interface RetiredKemRetiredAtFieldEvent {
    field: '$.retiredAt'
    value: bigint
  }

  export function encode (obj: Partial<RetiredKem>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RetiredKem.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RetiredKem>): RetiredKem {
    return decodeMessage(buf, RetiredKem.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RetiredKem>): Generator<RetiredKemKemSeedFieldEvent | RetiredKemLastSeqFieldEvent | RetiredKemRetiredAtFieldEvent> {
    return streamMessage(buf, RetiredKem.codec(), opts)
  }
}

export interface Rotation {
  previousFingerprint: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace Rotation {
  let _codec: Codec<Rotation>

  export const codec = (): Codec<Rotation> => {
    if (_codec == null) {
      _codec = message<Rotation>((obj, w, opts = {}) => {
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

  export interface RotationPreviousFingerprintFieldEvent {
    field: '$.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RotationSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Rotation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Rotation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rotation>): Rotation {
    return decodeMessage(buf, Rotation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rotation>): Generator<RotationPreviousFingerprintFieldEvent | RotationSignatureFieldEvent> {
    return streamMessage(buf, Rotation.codec(), opts)
  }
}

export interface HandOver {
  previousFingerprint: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  mlDsaPublicKey: Uint8Array<ArrayBuffer>
}

export namespace HandOver {
  let _codec: Codec<HandOver>

  export const codec = (): Codec<HandOver> => {
    if (_codec == null) {
      _codec = message<HandOver>((obj, w, opts = {}) => {
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

  export interface HandOverPreviousFingerprintFieldEvent {
    field: '$.previousFingerprint'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandOverSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HandOverMlDsaPublicKeyFieldEvent {
    field: '$.mlDsaPublicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<HandOver>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HandOver.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandOver>): HandOver {
    return decodeMessage(buf, HandOver.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HandOver>): Generator<HandOverPreviousFingerprintFieldEvent | HandOverSignatureFieldEvent | HandOverMlDsaPublicKeyFieldEvent> {
    return streamMessage(buf, HandOver.codec(), opts)
  }
}
