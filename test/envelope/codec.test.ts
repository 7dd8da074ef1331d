import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { XWing } from '@hpke/hybridkem-x-wing'
import {
  EnvelopeHpke, marshalContent, marshalEnvelope, MAX_ENVELOPE_BYTES, unmarshalContent, unmarshalEnvelope, envelopeInfo, X_WING_ENC_BYTES
} from '../../src/envelope/index.js'
import { encodeFields, encodeVarint, parseFields, type WireField } from '../helpers/protobuf-wire.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import type { DecodedEnvelope } from '../../src/envelope/index.js'

const hpke = new EnvelopeHpke(selectPqCrypto())

const envelopeError = (code: string) => (err: any) => err.name === 'EnvelopeError' && err.code === code

async function makeEnvelope (): Promise<DecodedEnvelope> {
  const sender = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const recipient = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { sender, recipient, recipientSeq: 3_000_000_001, enc: new Uint8Array(randomBytes(X_WING_ENC_BYTES)), ciphertext: new Uint8Array(randomBytes(100)) }
}

/** The envelope's fields changed by `change`, encoded as given (order, repeats and all). */
function reencoded (bytes: Uint8Array, change: (fields: WireField[]) => WireField[]): Uint8Array {
  const fields = parseFields(bytes)
  assert.ok(fields !== undefined)
  return encodeFields(change(fields))
}

describe('envelope codec', () => {
  it('reads back what it writes, seqs beyond 2^32 included', async () => {
    const envelope = await makeEnvelope()
    const decoded = unmarshalEnvelope(marshalEnvelope(envelope))
    assert.ok(decoded.sender.equals(envelope.sender))
    assert.ok(decoded.recipient.equals(envelope.recipient))
    assert.equal(decoded.recipientSeq, envelope.recipientSeq)
    assert.deepEqual(decoded.enc, envelope.enc)
    assert.deepEqual(decoded.ciphertext, envelope.ciphertext)
    for (const senderSeq of [1, 2 ** 31 + 5, 2 ** 53 - 1]) {
      const content = unmarshalContent(marshalContent({ senderSeq, signature: new Uint8Array(3309).fill(7), data: Uint8Array.from([0, 255, 0]) }))
      assert.equal(content.senderSeq, senderSeq)
      assert.deepEqual([...content.data], [0, 255, 0])
    }
  })

  it('refuses every encoding but the canonical one', async () => {
    const bytes = marshalEnvelope(await makeEnvelope())
    assert.throws(() => unmarshalEnvelope(Uint8Array.from([...bytes, 0])), envelopeError('ERR_ENVELOPE_MALFORMED'))
    assert.throws(() => unmarshalEnvelope(reencoded(bytes, f => [...f].reverse())), envelopeError('ERR_ENVELOPE_NOT_CANONICAL'))
    assert.throws(() => unmarshalEnvelope(reencoded(bytes, f => [...f, { field: 9, wireType: 2, value: new Uint8Array(1) }])), envelopeError('ERR_ENVELOPE_NOT_CANONICAL'))
    assert.throws(() => unmarshalEnvelope(reencoded(bytes, f => [...f, f[5]])), (err: any) => err.name === 'EnvelopeError')
  })

  it('refuses another version, bad lengths, PeerIds and seqs, by code', async () => {
    const bytes = marshalEnvelope(await makeEnvelope())
    const withField = (n: number, value: Uint8Array): Uint8Array => reencoded(bytes, f => f.map(x => x.field === n ? { ...x, value } : x))
    assert.throws(() => unmarshalEnvelope(withField(1, encodeVarint(2))), envelopeError('ERR_ENVELOPE_VERSION'))
    assert.throws(() => unmarshalEnvelope(withField(2, new Uint8Array([0, 3, 1, 2, 3]))), envelopeError('ERR_ENVELOPE_MALFORMED'))
    assert.throws(() => unmarshalEnvelope(withField(5, new Uint8Array(X_WING_ENC_BYTES - 1))), envelopeError('ERR_ENVELOPE_MALFORMED'))
    assert.throws(() => unmarshalEnvelope(reencoded(bytes, f => f.filter(x => x.field !== 4))), envelopeError('ERR_ENVELOPE_MALFORMED'))
    assert.throws(() => unmarshalEnvelope(reencoded(bytes, f => f.filter(x => x.field !== 6))), envelopeError('ERR_ENVELOPE_MALFORMED'))
    assert.throws(() => unmarshalEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1)), envelopeError('ERR_ENVELOPE_TOO_LARGE'))
    assert.throws(() => unmarshalEnvelope(Uint8Array.from([0xff, 0xff])), envelopeError('ERR_ENVELOPE_MALFORMED'))
  })

  it('refuses a plaintext with a short signature', () => {
    const bytes = marshalContent({ senderSeq: 1, signature: new Uint8Array(3308), data: new Uint8Array(1) })
    assert.throws(() => unmarshalContent(bytes), envelopeError('ERR_ENVELOPE_MALFORMED'))
  })
})

describe('envelope HPKE (X-Wing, HKDF-SHA256, AES-256-GCM)', () => {
  it('opens with the recipient seed and the same info only', async () => {
    const seed = new Uint8Array(randomBytes(32))
    const kem = new XWing()
    const publicKey = new Uint8Array(await kem.serializePublicKey((await kem.generateKeyPairDerand(seed)).publicKey))
    const envelope = await makeEnvelope()
    const info = envelopeInfo(envelope)
    const sender = await hpke.sender(publicKey, info)
    const ciphertext = await sender.seal(Uint8Array.from([1, 2, 3]))
    assert.equal(sender.enc.length, X_WING_ENC_BYTES)
    assert.deepEqual([...await hpke.open(seed, sender.enc, info, ciphertext)], [1, 2, 3])
    await assert.rejects(hpke.open(new Uint8Array(randomBytes(32)), sender.enc, info, ciphertext), envelopeError('ERR_ENVELOPE_DECRYPT'))
    await assert.rejects(hpke.open(seed, sender.enc, envelopeInfo({ ...envelope, recipientSeq: envelope.recipientSeq + 1 }), ciphertext), envelopeError('ERR_ENVELOPE_DECRYPT'))
    const flipped = Uint8Array.from(sender.enc, (b, i) => i === 1100 ? b ^ 1 : b)
    await assert.rejects(hpke.open(seed, flipped, info, ciphertext), envelopeError('ERR_ENVELOPE_DECRYPT'))
  })
})
