import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface EquivocationProof {
  recordA: Uint8Array<ArrayBuffer>
  recordB: Uint8Array<ArrayBuffer>
}

export namespace EquivocationProof {
  let _codec: Codec<EquivocationProof>

  export const codec = (): Codec<EquivocationProof> => {
    if (_codec == null) {
      _codec = message<EquivocationProof>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.recordA != null && obj.recordA.byteLength > 0)) {
          w.uint32(138)
          w.bytes(obj.recordA)
        }

        if ((obj.recordB != null && obj.recordB.byteLength > 0)) {
          w.uint32(146)
          w.bytes(obj.recordB)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          recordA: uint8ArrayAlloc(0),
          recordB: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 17: {
              obj.recordA = reader.bytes()
              break
            }
            case 18: {
              obj.recordB = reader.bytes()
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
            case 17: {
              yield {
                field: `${prefix}.recordA`,
                value: reader.bytes()
              }
              break
            }
            case 18: {
              yield {
                field: `${prefix}.recordB`,
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

  export interface EquivocationProofRecordAFieldEvent {
    field: '$.recordA'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EquivocationProofRecordBFieldEvent {
    field: '$.recordB'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<EquivocationProof>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, EquivocationProof.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EquivocationProof>): EquivocationProof {
    return decodeMessage(buf, EquivocationProof.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<EquivocationProof>): Generator<EquivocationProofRecordAFieldEvent | EquivocationProofRecordBFieldEvent> {
    return streamMessage(buf, EquivocationProof.codec(), opts)
  }
}
