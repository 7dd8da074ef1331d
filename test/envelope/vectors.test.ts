import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { unmarshalKeyRecord } from '../../src/record/index.js'
import { envelopeParties, recipientEnvelopes, type RecipientState } from '../vectors/envelope-parties.js'

const file = fileURLToPath(new URL('../../../test/vectors/envelope.json', import.meta.url))
const fromHex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))
/** A vector too big to write out: its prefix, then zeros up to its length. */
const envelopeOfLength = (prefixHex: string, length: number): Uint8Array => {
  const bytes = new Uint8Array(length)
  bytes.set(fromHex(prefixHex))
  return bytes
}

/** A vector's `receiver` (docs/vectors.md, envelope.json) as the recipient's state, at the file's `now`. */
function receiverState (vectors: any, receiver: any = {}): RecipientState {
  return {
    now: vectors.now,
    newestRecordSeq: receiver.newestRecordSeq,
    // Erased: past the grace time, the seed is gone; kept: retired just now, within the grace time.
    retiredKemKeys: receiver.retiredKemKeys?.map((key: { lastSeq: number, erased: boolean, kemSeedHex?: string }) => key.erased
      ? { kemSeed: new Uint8Array(0), lastSeq: key.lastSeq, retiredAt: 0 }
      : { kemSeed: fromHex(key.kemSeedHex!), lastSeq: key.lastSeq, retiredAt: vectors.now }),
    senderRecord: receiver.senderRecordHex === undefined ? undefined : receiver.senderRecordHex === null ? null : unmarshalKeyRecord(fromHex(receiver.senderRecordHex)),
    senderRefusedWith: receiver.senderRefusedWith,
    hasCurrentKemKey: receiver.hasCurrentKemKey
  }
}

/**
 * test/vectors/envelope.json: every valid envelope opens to its message and
 * sender, every invalid one is refused with the code it names (that the
 * generator rewrites the file byte for byte is reproducible.test.ts).
 */
describe('envelope golden vectors', () => {
  it('open as documented: the valid ones to their message and sender, the invalid ones with their code', async () => {
    const vectors = JSON.parse(await readFile(file, 'utf8'))
    const crypto = selectPqCrypto()
    const { recipient, sender } = await envelopeParties(crypto)
    assert.equal(Buffer.from(recipient.record.bytes).toString('hex'), vectors.recipient.recordHex)
    for (const vector of vectors.valid) {
      const opened = await recipientEnvelopes(crypto, recipient, [recipient, sender], () => {}, receiverState(vectors, vector.receiver)).open(fromHex(vector.envelopeHex))
      assert.equal(opened.from.toString(), vector.from, vector.name)
      assert.equal(Buffer.from(opened.data).toString('hex'), vector.dataHex, vector.name)
    }
    assert.ok(vectors.invalid.length >= 10)
    for (const vector of vectors.invalid) {
      const state = vector.receiver ?? {}
      const opening = recipientEnvelopes(crypto, recipient, [recipient, sender], () => {}, receiverState(vectors, state))
      const envelope = vector.envelopeHex === null ? envelopeOfLength(vector.prefixHex, vector.lengthBytes) : fromHex(vector.envelopeHex)
      // The sender was looked up a moment ago: an earlier open of this envelope did (and was refused).
      if (state.senderLookedUpWithinAMinute === true) await assert.rejects(opening.open(envelope))
      await assert.rejects(opening.open(envelope), (err: any) => {
        assert.equal(err.code, vector.error, `${String(vector.name)}: ${String(err.message)}`)
        return true
      })
    }
  })
})
