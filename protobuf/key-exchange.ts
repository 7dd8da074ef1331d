import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface KeyRequest {
  requesterRecord: Uint8Array<ArrayBuffer>
  responderId: Uint8Array<ArrayBuffer>
  timestamp: bigint
  nonce: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace KeyRequest {
  let _codec: Codec<KeyRequest>

  export const codec = (): Codec<KeyRequest> => {
    if (_codec == null) {
      _codec = message<KeyRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.requesterRecord != null && obj.requesterRecord.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.requesterRecord)
        }

        if ((obj.responderId != null && obj.responderId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.responderId)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(24)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce !== 0n)) {
          w.uint32(32)
          w.uint64(obj.nonce)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          requesterRecord: uint8ArrayAlloc(0),
          responderId: uint8ArrayAlloc(0),
          timestamp: 0n,
          nonce: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.requesterRecord = reader.bytes()
              break
            }
            case 2: {
              obj.responderId = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.uint64()
              break
            }
            case 5: {
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
                field: `${prefix}.requesterRecord`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.responderId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
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

  export interface KeyRequestRequesterRecordFieldEvent {
    field: '$.requesterRecord'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRequestResponderIdFieldEvent {
    field: '$.responderId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyRequestTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface KeyRequestNonceFieldEvent {
    field: '$.nonce'
    value: bigint
  }

  export interface KeyRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyRequest>): KeyRequest {
    return decodeMessage(buf, KeyRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyRequest>): Generator<KeyRequestRequesterRecordFieldEvent | KeyRequestResponderIdFieldEvent | KeyRequestTimestampFieldEvent | KeyRequestNonceFieldEvent | KeyRequestSignatureFieldEvent> {
    return streamMessage(buf, KeyRequest.codec(), opts)
  }
}

export interface KeyResponse {
  record: Uint8Array<ArrayBuffer>
  requesterId: Uint8Array<ArrayBuffer>
  timestamp: bigint
  nonce: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace KeyResponse {
  let _codec: Codec<KeyResponse>

  export const codec = (): Codec<KeyResponse> => {
    if (_codec == null) {
      _codec = message<KeyResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.record)
        }

        if ((obj.requesterId != null && obj.requesterId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.requesterId)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(24)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce !== 0n)) {
          w.uint32(32)
          w.uint64(obj.nonce)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          record: uint8ArrayAlloc(0),
          requesterId: uint8ArrayAlloc(0),
          timestamp: 0n,
          nonce: 0n,
          signature: uint8ArrayAlloc(0)
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
              obj.requesterId = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.uint64()
              break
            }
            case 5: {
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
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.requesterId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
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

  export interface KeyResponseRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyResponseRequesterIdFieldEvent {
    field: '$.requesterId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyResponseTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface KeyResponseNonceFieldEvent {
    field: '$.nonce'
    value: bigint
  }

  export interface KeyResponseSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyResponse>): KeyResponse {
    return decodeMessage(buf, KeyResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyResponse>): Generator<KeyResponseRecordFieldEvent | KeyResponseRequesterIdFieldEvent | KeyResponseTimestampFieldEvent | KeyResponseNonceFieldEvent | KeyResponseSignatureFieldEvent> {
    return streamMessage(buf, KeyResponse.codec(), opts)
  }
}

export interface KeyPush {
  record: Uint8Array<ArrayBuffer>
  recipientId: Uint8Array<ArrayBuffer>
  timestamp: bigint
  nonce: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace KeyPush {
  let _codec: Codec<KeyPush>

  export const codec = (): Codec<KeyPush> => {
    if (_codec == null) {
      _codec = message<KeyPush>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.record != null && obj.record.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.record)
        }

        if ((obj.recipientId != null && obj.recipientId.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.recipientId)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(24)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce !== 0n)) {
          w.uint32(32)
          w.uint64(obj.nonce)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          record: uint8ArrayAlloc(0),
          recipientId: uint8ArrayAlloc(0),
          timestamp: 0n,
          nonce: 0n,
          signature: uint8ArrayAlloc(0)
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
              obj.recipientId = reader.bytes()
              break
            }
            case 3: {
              obj.timestamp = reader.uint64()
              break
            }
            case 4: {
              obj.nonce = reader.uint64()
              break
            }
            case 5: {
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
                field: `${prefix}.record`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.recipientId`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
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

  export interface KeyPushRecordFieldEvent {
    field: '$.record'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyPushRecipientIdFieldEvent {
    field: '$.recipientId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface KeyPushTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface KeyPushNonceFieldEvent {
    field: '$.nonce'
    value: bigint
  }

  export interface KeyPushSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<KeyPush>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, KeyPush.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPush>): KeyPush {
    return decodeMessage(buf, KeyPush.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<KeyPush>): Generator<KeyPushRecordFieldEvent | KeyPushRecipientIdFieldEvent | KeyPushTimestampFieldEvent | KeyPushNonceFieldEvent | KeyPushSignatureFieldEvent> {
    return streamMessage(buf, KeyPush.codec(), opts)
  }
}
