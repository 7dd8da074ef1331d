import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { streamPair } from '@libp2p/utils'
import { nativeCrypto } from '../../src/crypto/index.js'
import { INITIATOR_CONTEXT, initiateSession, respondSession, RESPONDER_CONTEXT } from '../../src/session/index.js'
import { ResolveError } from '../../src/errors.js'
import { frame } from '../../src/session/index.js'
import { peerIdOf } from '../../src/util/peer-id.js'
import type { InvalidSession } from '../vectors/session-invalid.js'
import { initiatorEphemerals, responderEphemerals, sessionParties } from '../vectors/session-transcript.js'

const file = fileURLToPath(new URL('../../../test/vectors/session.json', import.meta.url))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const encoder = new TextEncoder()

describe('session golden vectors (test/vectors/session.json)', () => {
  it('the stored signatures verify with the stored keys, each only in its own role', async () => {
    const v = JSON.parse(await readFile(file, 'utf8'))
    const r = bytes(v.inputs.responderMlDsaPublicKeyHex)
    const i = bytes(v.inputs.initiatorMlDsaPublicKeyHex)
    assert.equal(nativeCrypto.mlDsa65.verify(r, bytes(v.responderSignedHashHex), bytes(v.responderSignatureHex), encoder.encode(RESPONDER_CONTEXT)), true)
    assert.equal(nativeCrypto.mlDsa65.verify(i, bytes(v.handshakeHashHex), bytes(v.initiatorSignatureHex), encoder.encode(INITIATOR_CONTEXT)), true)
    assert.equal(nativeCrypto.mlDsa65.verify(r, bytes(v.responderSignedHashHex), bytes(v.responderSignatureHex), encoder.encode(INITIATOR_CONTEXT)), false)
  })

  it('the driver over a stream makes the same handshake hash from the same seeds', async () => {
    const v = JSON.parse(await readFile(file, 'utf8'))
    const { initiator, responder } = await sessionParties()
    const [outbound, inbound] = await streamPair()
    const common = { crypto: nativeCrypto, protocol: v.inputs.protocol, signal: AbortSignal.timeout(10_000), timedOut: () => false }
    const [i, r] = await Promise.all([
      initiateSession(outbound, { ...common, signer: initiator.signer, localPeer: initiator.peerId, remotePeer: responder.peerId, remoteKey: Promise.resolve(responder.signer.publicKey) }, initiatorEphemerals(nativeCrypto)),
      respondSession(inbound, { ...common, signer: responder.signer, localPeer: responder.peerId, remotePeer: initiator.peerId, remoteKey: Promise.resolve(initiator.signer.publicKey) }, responderEphemerals())
    ])
    assert.equal(hex(i.keys.handshakeHash), v.handshakeHashHex)
    assert.equal(hex(r.keys.handshakeHash), v.handshakeHashHex)
    assert.equal(hex(i.keys.send.encryptWithAd(new Uint8Array(0), bytes(v.inputs.initiatorSampleHex))), v.initiatorSampleFrameHex)
    assert.equal(hex(r.keys.send.encryptWithAd(new Uint8Array(0), bytes(v.inputs.responderSampleHex))), v.responderSampleFrameHex)
  })

  describe('invalid handshakes: each refused by keydir\'s driver with its code', async () => {
    const v = JSON.parse(await readFile(file, 'utf8'))
    for (const vector of v.invalid as InvalidSession[]) {
      it(`${vector.side} refuses "${vector.name}": ${vector.error}`, async () => {
        await assert.rejects(refuse(v, vector), (err: any) => {
          assert.equal(err.code, vector.error, err.message)
          return true
        })
      })
    }
  })
})

/**
 * Runs keydir's driver as the vector's refusing side, on one end of a
 * stream pair, with its fixed ephemerals; the other end sends the peer's
 * messages (the vector's, else the valid transcript's), framed, all at once.
 */
async function refuse (v: any, vector: InvalidSession): Promise<void> {
  const { initiator, responder } = await sessionParties()
  const [self, peer] = vector.side === 'initiator' ? [initiator, responder] : [responder, initiator]
  const sent = vector.side === 'initiator' ? ['message2Hex', 'message4Hex'] as const : ['message1Hex', 'message3Hex'] as const
  const [mine, theirs] = await streamPair()
  theirs.send(Buffer.concat(sent.map(name => frame(bytes(vector.messages[name] ?? v[name])))))
  const directory = vector.receiver?.directory
  const remoteKey = directory === undefined
    ? Promise.resolve(peer.signer.publicKey)
    : 'error' in directory ? Promise.reject(new ResolveError(directory.error, 'the vector\'s directory refuses the peer')) : Promise.resolve(bytes(directory.mlDsaPublicKeyHex))
  remoteKey.catch(() => {})
  const parties = {
    crypto: nativeCrypto,
    signer: self.signer,
    localPeer: self.peerId,
    remotePeer: vector.receiver?.remotePeer === undefined ? peer.peerId : peerIdOf(vector.receiver.remotePeer),
    protocol: v.inputs.protocol,
    remoteKey,
    // A second look finds what the directory held: the vectors' network has nothing newer.
    recheckKey: vector.side === 'initiator' ? async () => remoteKey : undefined,
    signal: AbortSignal.timeout(10_000),
    timedOut: () => false
  }
  try {
    if (vector.side === 'initiator') await initiateSession(mine, parties, initiatorEphemerals(nativeCrypto))
    else await respondSession(mine, parties, responderEphemerals())
  } finally {
    theirs.abort(new Error('the vector is done'))
  }
}
