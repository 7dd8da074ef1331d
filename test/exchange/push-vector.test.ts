import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { checkKeyPush, decodeKeyPush, exchangeSignedBytes, PUSH_DOMAIN } from '../../src/exchange/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { peerIdOf } from '../../src/util/peer-id.js'
import { hasCode } from '../helpers/attacks.js'

interface PushVectors {
  inputs: { validAt: number, context: string }
  valid: { pusher: string, recipient: string, timestamp: number, nonce: string, recordHex: string, signedBytesHex: string, pushHex: string }
  invalid: Array<{ name: string, pushHex: string, recipient?: string, error: string }>
}

const file = fileURLToPath(new URL('../../../test/vectors/key-push.json', import.meta.url))
const vectors = JSON.parse(await readFile(file, 'utf8')) as PushVectors
const crypto = selectPqCrypto()
const now = vectors.inputs.validAt
const ctx = { crypto, validator: new KeyRecordValidator({ crypto, now: () => now }), now }
const bytes = (hexString: string): Uint8Array => new Uint8Array(Buffer.from(hexString, 'hex'))

describe('KeyPush golden vector (test/vectors/key-push.json)', () => {
  it('decodes to its fields, its signed bytes are the documented ones, and it checks', async () => {
    const { valid } = vectors
    const push = decodeKeyPush(bytes(valid.pushHex))
    const pusher = peerIdOf(valid.pusher)
    const recipient = peerIdOf(valid.recipient)
    assert.equal(Buffer.from(push.record).toString('hex'), valid.recordHex)
    assert.deepEqual(push.recipientId, recipient.toMultihash().bytes)
    assert.equal(push.timestamp, BigInt(valid.timestamp))
    assert.equal(push.nonce, BigInt(valid.nonce))
    const signed = exchangeSignedBytes(new TextEncoder().encode(PUSH_DOMAIN), pusher, recipient, valid.timestamp, push.nonce, push.record)
    assert.equal(Buffer.from(signed).toString('hex'), valid.signedBytesHex)
    const record = await checkKeyPush(ctx, push, pusher, recipient)
    assert.ok(record.peerId.equals(pusher))
  })

  for (const vector of vectors.invalid) {
    it(`refuses: ${vector.name} (${vector.error})`, async () => {
      const recipient = peerIdOf(vector.recipient ?? vectors.valid.recipient)
      await assert.rejects(checkKeyPush(ctx, decodeKeyPush(bytes(vector.pushHex)), peerIdOf(vectors.valid.pusher), recipient), hasCode(vector.error))
    })
  }
})
