import { streamPair } from '@libp2p/utils'
import { nativeCrypto } from '../../src/crypto/index.js'
import { initiateSession, respondSession } from '../../src/session/index.js'
import { sessionParties, type SessionParty } from '../vectors/session-transcript.js'
import type { Handshaken, HandshakeParties } from '../../src/session/index.js'
import type { Stream } from '@libp2p/interface'

export interface PairOptions {
  /** The key the initiator's directory holds for the responder (default its real key), or a failing resolve. */
  responderKey?: Promise<Uint8Array>
  initiatorKey?: Promise<Uint8Array>
  /** Change bytes on their way: `(direction, offset, byte) => byte`; offsets count from each direction's first byte. */
  tamper?: (direction: 'i->r' | 'r->i', offset: number, byte: number) => number
  timeoutMs?: number
  initiator?: SessionParty
  responder?: SessionParty
}

export interface PairResult {
  initiator: PromiseSettledResult<Handshaken>
  responder: PromiseSettledResult<Handshaken>
}

/** Relay `from` to `to`, passing each byte through `change`. */
function relay (from: Stream, to: Stream, change: (offset: number, byte: number) => number): void {
  let offset = 0
  from.addEventListener('message', evt => {
    const data = Uint8Array.from(evt.data.subarray())
    for (let i = 0; i < data.length; i++) data[i] = change(offset + i, data[i])
    offset += data.length
    to.send(data)
  })
  from.addEventListener('close', evt => {
    if (evt.error != null) to.abort(evt.error)
    else to.close().catch(() => {})
  })
  from.addEventListener('remoteCloseWrite', () => { to.close().catch(() => {}) })
}

/** A handshake between two in-memory parties over stream pairs (with a relay between them when tampering). */
export async function runPair (options: PairOptions = {}): Promise<PairResult> {
  const fixed = await sessionParties()
  const initiator = options.initiator ?? fixed.initiator
  const responder = options.responder ?? fixed.responder
  let iStream: Stream
  let rStream: Stream
  if (options.tamper === undefined) {
    [iStream, rStream] = await streamPair()
  } else {
    const [i, relayI] = await streamPair()
    const [relayR, r] = await streamPair()
    const tamper = options.tamper
    relay(relayI, relayR, (offset, byte) => tamper('i->r', offset, byte))
    relay(relayR, relayI, (offset, byte) => tamper('r->i', offset, byte))
    iStream = i
    rStream = r
  }
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000)
  const common = { crypto: nativeCrypto, protocol: '/echo/1.0.0', signal: timeout, timedOut: () => timeout.aborted }
  const iParties: HandshakeParties = { ...common, signer: initiator.signer, localPeer: initiator.peerId, remotePeer: responder.peerId, remoteKey: options.responderKey ?? Promise.resolve(responder.signer.publicKey) }
  const rParties: HandshakeParties = { ...common, signer: responder.signer, localPeer: responder.peerId, remotePeer: initiator.peerId, remoteKey: options.initiatorKey ?? Promise.resolve(initiator.signer.publicKey) }
  iParties.remoteKey.catch(() => {})
  rParties.remoteKey.catch(() => {})
  // A side that fails aborts its stream, as the service does, so the other side is not left waiting.
  const run = async (go: () => Promise<Handshaken>, stream: Stream): Promise<Handshaken> => {
    try {
      return await go()
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }
  const [i, r] = await Promise.allSettled([
    run(async () => initiateSession(iStream, iParties), iStream),
    run(async () => respondSession(rStream, rParties), rStream)
  ])
  return { initiator: i, responder: r }
}

export function codeOf (result: PromiseSettledResult<unknown>): string | undefined {
  return result.status === 'rejected' ? (result.reason as { code?: string }).code : undefined
}
export function nameOf (result: PromiseSettledResult<unknown>): string | undefined {
  return result.status === 'rejected' ? (result.reason as Error).name : undefined
}
