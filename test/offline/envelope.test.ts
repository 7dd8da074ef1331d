import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { unmarshalEnvelope } from '../../src/envelope/index.js'
import { checkEnvelope, complete, holds, recipientKeysOf, type EnvelopeChecklist } from '../../src/offline/index.js'
import { makeIdentity, makeRecord, makeRotatedPeer } from '../helpers/records.js'
import { makeRecipient, seal } from '../helpers/sealed.js'
import { tempDir } from '../helpers-daemon/cli.js'

const crypto = selectPqCrypto()
const hour = 60 * 60_000
const data = new TextEncoder().encode('meet at noon')

function outcomes (list: EnvelopeChecklist): Record<string, true | string> {
  return Object.fromEntries(list.checks.map(check => [check.name, check.ok ? true : check.code!]))
}

async function parties (): Promise<{ recipient: Awaited<ReturnType<typeof makeRecipient>>, sender: Awaited<ReturnType<typeof makeIdentity>>, senderRecord: Awaited<ReturnType<typeof makeRecord>> }> {
  const recipient = await makeRecipient(await tempDir(), crypto)
  const sender = await makeIdentity()
  return { recipient, sender, senderRecord: await makeRecord(sender, { seq: 5 }) }
}

describe('checkEnvelope', () => {
  test('with the recipient\'s keys and the sender\'s record: sealed to it, decrypts, signed by the sender record\'s key', async () => {
    const { recipient, sender, senderRecord } = await parties()
    const envelope = unmarshalEnvelope(await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, data))
    const keys = recipientKeysOf(recipient.identity, recipient.dir, 7 * 24 * hour)
    const list = await checkEnvelope(envelope, { crypto, at: Date.now(), recipient: keys, senderRecord })
    assert.deepEqual(outcomes(list), { structure: true, recipient: true, decrypts: true, 'sender-record': true, 'sender-signature': true })
    assert.ok(holds(list) && complete(list))
    assert.equal(list.senderSeq, 5)
    assert.equal(list.messageBytes, data.length)
    assert.match(list.proves, /sealed this message .* signed it .* record seq 5/)
  })

  test('without them: only the header; what is not checked says which flag checks it', async () => {
    const { recipient, sender, senderRecord } = await parties()
    const envelope = unmarshalEnvelope(await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, data))
    const bare = await checkEnvelope(envelope, { crypto, at: Date.now() })
    assert.deepEqual(outcomes(bare), { structure: true })
    assert.ok(holds(bare) && !complete(bare))
    assert.deepEqual(bare.unchecked.map(u => [u.name, u.needs]), [
      ['decrypts', ['--dir <the recipient\'s data dir>']],
      ['sender-record', ['--sender-record <the sender\'s key record>']],
      ['sender-signature', ['--dir <the recipient\'s data dir>', '--sender-record <the sender\'s key record>']]
    ])
    assert.match(bare.proves, /^only what its header says, which anyone can write/)

    const keys = recipientKeysOf(recipient.identity, recipient.dir, 7 * 24 * hour)
    const opened = await checkEnvelope(envelope, { crypto, at: Date.now(), recipient: keys })
    assert.deepEqual(opened.unchecked.map(u => [u.name, u.needs]), [
      ['recipient-seq', undefined],
      ['sender-record', ['--sender-record <the sender\'s key record>']],
      ['sender-signature', ['--sender-record <the sender\'s key record>']]
    ])
  })

  test('refused: another recipient\'s dir, a flipped byte, a forger, the wrong sender record, an expired one, a key rotated away from', async () => {
    const { recipient, sender, senderRecord } = await parties()
    const bytes = await seal(crypto, { signer: sender.mlDsaSigner, record: senderRecord }, recipient.record, data)
    const keys = recipientKeysOf(recipient.identity, recipient.dir, 7 * 24 * hour)
    const check = async (envelope: Uint8Array, options: Partial<Parameters<typeof checkEnvelope>[1]> = {}): Promise<Record<string, true | string>> =>
      outcomes(await checkEnvelope(unmarshalEnvelope(envelope), { crypto, at: Date.now(), recipient: keys, senderRecord, ...options }))

    const other = await makeRecipient(await tempDir(), crypto)
    assert.equal((await check(bytes, { recipient: recipientKeysOf(other.identity, other.dir, hour) })).recipient, 'ERR_ENVELOPE_NOT_FOR_US')

    const flipped = Uint8Array.from(bytes)
    flipped[flipped.length - 1] ^= 0x01
    assert.equal((await check(flipped)).decrypts, 'ERR_ENVELOPE_DECRYPT')

    const forger = await makeIdentity()
    const forged = await seal(crypto, { signer: forger.mlDsaSigner, record: senderRecord }, recipient.record, data)
    assert.deepEqual(await check(forged), { structure: true, recipient: true, decrypts: true, 'sender-record': true, 'sender-signature': 'ERR_ENVELOPE_BAD_SIGNATURE' })

    const wrongPeer = await check(bytes, { senderRecord: await makeRecord(forger) })
    assert.equal(wrongPeer['sender-record'], 'ERR_PEER_ID_MISMATCH')
    assert.equal(wrongPeer['sender-signature'], 'ERR_ENVELOPE_BAD_SIGNATURE')

    assert.equal((await check(bytes, { at: senderRecord.expiresAt + 1 }))['sender-record'], 'ERR_RECORD_EXPIRED')

    // Sealed with K1; the sender's record now carries K2, and its history proves K1 was the sender's.
    const rotated = await makeRotatedPeer(2)
    const old = await seal(crypto, { signer: rotated.keys[1].mlDsaSigner, record: await makeRecord(rotated.keys[1], { seq: 2, ...rotated.historyOf(1) }) }, recipient.record, data)
    const newest = await makeRecord(rotated.keys[2], { seq: 3, ...rotated.historyOf(2) })
    assert.equal((await check(old, { senderRecord: newest }))['sender-signature'], 'ERR_ENVELOPE_STALE_SENDER_KEY')
  })
})
