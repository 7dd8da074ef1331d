import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { HistoryRequest, HistoryResponse } from '../../protobuf/key-history.js'
import { fingerprint, nativeCrypto as crypto } from '../../src/crypto/index.js'
import {
  checkHistoryRequest, checkHistoryResponse, createHistoryRequest, createHistoryResponse, decodeHistoryRequest, decodeHistoryResponse, handOversBetween,
  MAX_HISTORY_RESPONSE_BYTES, MAX_HISTORY_RESPONSE_LINKS
} from '../../src/exchange/index.js'
import { followHistory, oldestFingerprint } from '../../src/record/index.js'
import { hasCode } from '../helpers/attacks.js'
import { makeRecord, makeRotatedPeer } from '../helpers/records.js'
import type { HistoryResponseCheck } from '../../src/exchange/index.js'
import type { KeyRecord, RotationLink } from '../../src/record/index.js'
import type { RotatedPeer, TestIdentity } from '../helpers/records.js'

/**
 * HistoryRequest / HistoryResponse (`/numi/keyhist/1.0.0`,
 * docs/record-format.md, "Beyond the bound") without a network: the
 * responder's choice of links, and every check the requester makes before
 * admission follows them from the pin.
 */

const fp = (key: TestIdentity): Uint8Array => fingerprint(key.mlDsaSigner.publicKey)
const exchangeError = (code: string): ((err: any) => boolean) => hasCode(code, 'ExchangeError')

function forged (link: RotationLink): RotationLink {
  const signature = link.signature.slice()
  signature[42] ^= 0x04
  return { ...link, signature }
}

/** The links as they cross the wire: encoded, decoded. */
function wire (links: readonly RotationLink[]): HistoryResponse {
  return decodeHistoryResponse(HistoryResponse.encode(createHistoryResponse(links)))
}

describe('history messages', () => {
  let peer: RotatedPeer
  let other: RotatedPeer
  /** The rotated peer's hand-overs as its identity keeps them: newest first. */
  let handOvers: RotationLink[]
  /** K5's record: its proof and two links reach back to K2. */
  let k5: KeyRecord
  let check: HistoryResponseCheck

  before(async () => {
    peer = await makeRotatedPeer(5, crypto)
    other = await makeRotatedPeer(5, crypto)
    handOvers = [...peer.links].reverse()
    k5 = await makeRecord(peer.keys[5], { seq: 6, ...peer.historyOf(5) })
    const id = peer.keys[0].peerId
    check = { crypto, asked: id, remote: id, from: fp(peer.keys[0]), to: oldestFingerprint(k5)!, fromKey: peer.keys[0].mlDsaSigner.publicKey }
  })

  describe('the responder', () => {
    it('answers with the run from the hand-over into `to` back to the one out of `from`', () => {
      assert.deepEqual(check.to, fp(peer.keys[2]))
      assert.deepEqual(handOversBetween(handOvers, check), [peer.links[1], peer.links[0]])
      assert.deepEqual(handOversBetween(handOvers, { from: fp(peer.keys[1]), to: fp(peer.keys[2]) }), [peer.links[1]])
      assert.deepEqual(handOversBetween(handOvers, { from: fp(peer.keys[0]), to: fp(peer.keys[5]) }), handOvers)
    })

    it('answers nothing when it keeps no such run: an unknown key, or `from` newer than `to`', () => {
      assert.deepEqual(handOversBetween(handOvers, { from: fp(other.keys[0]), to: check.to }), [])
      assert.deepEqual(handOversBetween(handOvers, { from: check.from, to: fp(other.keys[2]) }), [])
      assert.deepEqual(handOversBetween(handOvers, { from: fp(peer.keys[3]), to: fp(peer.keys[2]) }), [])
      assert.deepEqual(handOversBetween([], check), [])
    })

    it('answers nothing rather than more than 64 links', () => {
      // A history longer than a response carries (65 hand-overs back to K0): the holder cannot follow it whatever it is sent.
      const long: RotationLink[] = Array.from({ length: MAX_HISTORY_RESPONSE_LINKS + 1 }, (_, i) =>
        ({ ...peer.links[0], mlDsaPublicKey: i === 0 ? peer.keys[2].mlDsaSigner.publicKey : other.keys[0].mlDsaSigner.publicKey, previousFingerprint: i === MAX_HISTORY_RESPONSE_LINKS ? check.from : fp(other.keys[1]) }))
      assert.deepEqual(handOversBetween(long, check), [])
      assert.equal(handOversBetween(long.slice(1), { from: check.from, to: fp(other.keys[0]) }).length, MAX_HISTORY_RESPONSE_LINKS)
    })

    it('checks a request: addressed to it, two 32-byte fingerprints', () => {
      const request = decodeHistoryRequest(HistoryRequest.encode(createHistoryRequest(peer.keys[0].peerId, check)))
      assert.deepEqual(checkHistoryRequest(request, peer.keys[0].peerId), { from: check.from, to: check.to })
      assert.throws(() => checkHistoryRequest(request, other.keys[0].peerId), exchangeError('ERR_WRONG_RESPONDER'))
      assert.throws(() => checkHistoryRequest({ ...request, fromFingerprint: new Uint8Array(31) }, peer.keys[0].peerId), exchangeError('ERR_BAD_FINGERPRINT'))
      assert.throws(() => checkHistoryRequest({ ...request, toFingerprint: new Uint8Array(0) }, peer.keys[0].peerId), exchangeError('ERR_BAD_FINGERPRINT'))
      assert.throws(() => decodeHistoryRequest(Uint8Array.of(0x0a, 0x05, 0x01)), exchangeError('ERR_MESSAGE_MALFORMED'))
      // The wire form, before any field is read: an unknown field, a field twice, an empty field written out.
      assert.throws(() => decodeHistoryRequest(Uint8Array.of(0x0a, 0x01, 0x01, 0x30, 0x01)), exchangeError('ERR_MESSAGE_NOT_CANONICAL'))
      assert.throws(() => decodeHistoryRequest(Uint8Array.of(0x0a, 0x01, 0x01, 0x0a, 0x01, 0x02)), exchangeError('ERR_MESSAGE_NOT_CANONICAL'))
      assert.throws(() => decodeHistoryRequest(Uint8Array.of(0x0a, 0x00)), exchangeError('ERR_MESSAGE_NOT_CANONICAL'))
      assert.throws(() => decodeHistoryResponse(Uint8Array.of(0x0a, 0x02, 0x0a, 0x00)), exchangeError('ERR_MESSAGE_NOT_CANONICAL'))
    })
  })

  describe('the requester', () => {
    it('takes the links of the run it asked for, and admission then follows K0 to K5', async () => {
      const links = await checkHistoryResponse(wire(handOversBetween(handOvers, check)), check)
      assert.deepEqual(links, [peer.links[1], peer.links[0]])
      assert.throws(() => followHistory(crypto, k5, { fingerprint: check.from, mlDsaPublicKey: check.fromKey }), hasCode('ERR_HISTORY_BEYOND_BOUND'))
      const followed = followHistory(crypto, k5, { fingerprint: check.from, mlDsaPublicKey: check.fromKey }, { earlier: links })
      assert.equal(followed.rotations, 5)
      assert.deepEqual(followed.left, peer.keys.slice(0, 5).reverse().map(fp))
    })

    it('takes an empty answer as "nothing that reaches the pin"', async () => {
      assert.deepEqual(await checkHistoryResponse(wire([]), check), [])
    })

    it('refuses an answer from another peer than the one asked: ERR_WRONG_RESPONDER', async () => {
      await assert.rejects(checkHistoryResponse(wire([peer.links[1], peer.links[0]]), { ...check, remote: other.keys[0].peerId }), exchangeError('ERR_WRONG_RESPONDER'))
    })

    it('refuses a forged link: ERR_BAD_HISTORY_SIGNATURE', async () => {
      await assert.rejects(checkHistoryResponse(wire([forged(peer.links[1]), peer.links[0]]), check), exchangeError('ERR_BAD_HISTORY_SIGNATURE'))
      // The oldest link is signed by the pinned key: checked here when the requester holds it, by admission always.
      const oldestForged = wire([peer.links[1], forged(peer.links[0])])
      await assert.rejects(checkHistoryResponse(oldestForged, check), exchangeError('ERR_BAD_HISTORY_SIGNATURE'))
      const unchecked = await checkHistoryResponse(oldestForged, { ...check, fromKey: undefined })
      assert.throws(() => followHistory(crypto, k5, { fingerprint: check.from, mlDsaPublicKey: check.fromKey }, { earlier: unchecked }), hasCode('ERR_KEY_CHANGED'))
    })

    it('refuses links of another peer, signed for its PeerId: ERR_BAD_HISTORY_SIGNATURE', async () => {
      const theirs = { ...check, from: fp(other.keys[0]), to: fp(other.keys[2]), fromKey: other.keys[0].mlDsaSigner.publicKey }
      await assert.rejects(checkHistoryResponse(wire([other.links[1], other.links[0]]), theirs), exchangeError('ERR_BAD_HISTORY_SIGNATURE'))
      // The same links checked for their own peer pass: the PeerId in the rotation bytes is what failed.
      assert.equal((await checkHistoryResponse(wire([other.links[1], other.links[0]]), { ...theirs, asked: other.keys[0].peerId, remote: other.keys[0].peerId })).length, 2)
    })

    it('refuses links out of order, one missing, a key twice, or another run than asked: ERR_BROKEN_CHAIN', async () => {
      const refused = exchangeError('ERR_BROKEN_CHAIN')
      await assert.rejects(checkHistoryResponse(wire([peer.links[0], peer.links[1]]), check), refused)
      await assert.rejects(checkHistoryResponse(wire([peer.links[1]]), check), refused)
      await assert.rejects(checkHistoryResponse(wire([peer.links[0]]), { ...check, to: fp(peer.keys[1]), from: fp(peer.keys[1]) }), refused)
      await assert.rejects(checkHistoryResponse(wire([peer.links[2], peer.links[1], peer.links[0]]), check), refused)
      await assert.rejects(checkHistoryResponse(wire([peer.links[1], peer.links[0]]), { ...check, from: fp(other.keys[0]) }), refused)
      await assert.rejects(checkHistoryResponse(wire([peer.links[1], peer.links[1], peer.links[0]]), check), refused)
    })

    it('refuses a link of the wrong lengths: ERR_BAD_ROTATION_PROOF', async () => {
      const short = { ...peer.links[0], signature: peer.links[0].signature.subarray(1) }
      await assert.rejects(checkHistoryResponse(wire([peer.links[1], short]), check), exchangeError('ERR_BAD_ROTATION_PROOF'))
      const noKey = { ...peer.links[0], mlDsaPublicKey: new Uint8Array(0) }
      await assert.rejects(checkHistoryResponse(wire([peer.links[1], noKey]), check), exchangeError('ERR_BAD_ROTATION_PROOF'))
    })

    it('refuses more than 64 links even under the byte cap (ERR_HISTORY_TOO_LONG), and bytes that are no response (ERR_MESSAGE_MALFORMED)', () => {
      const bytes = HistoryResponse.encode(createHistoryResponse(Array.from({ length: MAX_HISTORY_RESPONSE_LINKS + 1 }, () => peer.links[0])))
      assert.ok(bytes.length <= MAX_HISTORY_RESPONSE_BYTES, `${bytes.length} bytes`)
      assert.throws(() => decodeHistoryResponse(bytes), exchangeError('ERR_HISTORY_TOO_LONG'))
      // 64 links of 5,304 bytes: the largest answer, under the cap.
      const largest = HistoryResponse.encode(createHistoryResponse(Array.from({ length: MAX_HISTORY_RESPONSE_LINKS }, () => peer.links[0])))
      assert.equal(largest.length, MAX_HISTORY_RESPONSE_LINKS * 5_304)
      assert.equal(decodeHistoryResponse(largest).links.length, MAX_HISTORY_RESPONSE_LINKS)
      assert.throws(() => decodeHistoryResponse(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x01)), exchangeError('ERR_MESSAGE_MALFORMED'))
    })
  })
})
