import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { ENVELOPE_SIGNATURE_CONTEXT, EnvelopeHpke, envelopeInfo, envelopeSignedBytes, marshalContent, marshalEnvelope } from '../../src/envelope/index.js'
import { deterministicSigner } from '../vectors/session-transcript.js'
import { envelopeParties, recipientEnvelopes } from '../vectors/envelope-parties.js'

const crypto = selectPqCrypto()

describe('opening an envelope signed by a key the directory does not hold', () => {
  it('looks the sender up again for a newer sender seq, at most once a minute per sender', async () => {
    const { recipient, sender } = await envelopeParties(crypto)
    const refreshes: boolean[] = []
    const envelopes = recipientEnvelopes(crypto, recipient, [recipient, sender], options => { refreshes.push(options.refresh === true) })
    // Signed by a key that is not the sender's, naming a sender seq above its record's.
    const header = { sender: sender.peerId, recipient: recipient.peerId, recipientSeq: recipient.record.seq }
    const forged = async (): Promise<Uint8Array> => {
      const hpke = await new EnvelopeHpke(crypto).sender(Uint8Array.from([...recipient.record.mlKemPublicKey, ...recipient.record.x25519PublicKey!]), envelopeInfo(header))
      const senderSeq = sender.record.seq + 1000
      const data = Uint8Array.from([1])
      const signature = deterministicSigner(new Uint8Array(32).fill(0x99)).sign(envelopeSignedBytes(header, hpke.enc, senderSeq, data), ENVELOPE_SIGNATURE_CONTEXT)
      return marshalEnvelope({ ...header, enc: hpke.enc, ciphertext: await hpke.seal(marshalContent({ senderSeq, signature, data })) })
    }
    await assert.rejects(envelopes.open(await forged()), (err: any) => err.code === 'ERR_ENVELOPE_BAD_SIGNATURE')
    // Within the minute: not looked up again, and not called forged either (the sender may have rotated).
    for (let i = 0; i < 2; i++) {
      await assert.rejects(envelopes.open(await forged()), (err: any) => err.code === 'ERR_ENVELOPE_SENDER_UNCONFIRMED')
    }
    assert.equal(refreshes.filter(Boolean).length, 1, 'one look-up with refresh for three forged envelopes')
  })
})
