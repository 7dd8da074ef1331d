import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { SessionIdentity } from '../../protobuf/session.js'
import { checkUserProtocol, decodeIdentity, encodeIdentity, MESSAGE1_BYTES, sessionPrologue, splitMessage1, splitMessage2, wireProtocol } from '../../src/session/index.js'
import { hasCode } from '../helpers/attacks.js'
import { sessionParties } from '../vectors/session-transcript.js'

describe('session messages codec', () => {
  it('an identity round-trips; anything not canonical or of the wrong size is ERR_SESSION_BAD_MESSAGE', async () => {
    const { initiator } = await sessionParties()
    const signature = new Uint8Array(3309).fill(9)
    const bytes = encodeIdentity(initiator.peerId, signature)
    const decoded = decodeIdentity(bytes)
    assert.ok(decoded.peerId.equals(initiator.peerId))
    assert.deepEqual(decoded.signature, signature)
    const bad = [
      bytes.subarray(0, bytes.byteLength - 1),
      new Uint8Array([...bytes, 0x18, 0x01]), // an unknown field
      SessionIdentity.encode({ peerId: initiator.peerId.toMultihash().bytes, signature: new Uint8Array(3308) }),
      SessionIdentity.encode({ peerId: new Uint8Array([1, 2, 3]), signature: new Uint8Array(3309) }),
      new Uint8Array(4000),
      new Uint8Array([0xff])
    ]
    for (const b of bad) assert.throws(() => decodeIdentity(b), hasCode('ERR_SESSION_BAD_MESSAGE', 'SessionError'))
  })

  it('message 1 is exactly 1216 bytes; message 2 is within its bounds', () => {
    assert.equal(MESSAGE1_BYTES, 1216)
    assert.doesNotThrow(() => splitMessage1(new Uint8Array(1216)))
    for (const n of [0, 1215, 1217]) assert.throws(() => splitMessage1(new Uint8Array(n)), hasCode('ERR_SESSION_BAD_MESSAGE'))
    for (const n of [0, 1136, 4000 + 1136 + 100, 65535]) assert.throws(() => splitMessage2(new Uint8Array(n)), hasCode('ERR_SESSION_BAD_MESSAGE'))
  })

  it('the prologue binds dialer, listener and protocol, each length-prefixed', () => {
    const a = peerIdFromString('12D3KooWEh4qcjrGcspMxQLZ5P3GGDM6tBPnNLN7ivvpAoDryiyf')
    const b = peerIdFromString('12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo')
    const ab = sessionPrologue(a, b, '/x')
    assert.notDeepEqual(ab, sessionPrologue(b, a, '/x'))
    assert.notDeepEqual(ab, sessionPrologue(a, b, '/y'))
    assert.equal(Buffer.from(ab.subarray(0, 18)).toString('latin1'), '\x00\x10keydir-session/1')
  })

  it('user protocols: printable ASCII from /, at most 256 bytes', () => {
    assert.equal(wireProtocol('/chat/1.0.0'), '/keydir/secure/1.0.0/chat/1.0.0')
    for (const p of ['', 'chat', '/with space', '/é', '/' + 'a'.repeat(256)]) assert.throws(() => { checkUserProtocol(p) }, hasCode('ERR_SESSION_BAD_PROTOCOL'))
  })
})
