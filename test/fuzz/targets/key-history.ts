import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { HistoryRequest, HistoryResponse } from '../../../protobuf/key-history.js'
import { fingerprint, selectPqCrypto } from '../../../src/crypto/index.js'
import {
  checkHistoryRequest, checkHistoryResponse, createHistoryRequest, createHistoryResponse, decodeHistoryRequest, decodeHistoryResponse, handOversBetween,
  MAX_HISTORY_RESPONSE_LINKS
} from '../../../src/exchange/index.js'
import { makeRotatedPeer } from '../../helpers/records.js'
import { attempt, attemptAsync, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'
import type { HistorySpan } from '../../../src/exchange/index.js'
import type { RotationLink } from '../../../src/record/index.js'
import type { RotatedPeer } from '../../helpers/records.js'
import type { PeerId } from '@libp2p/interface'

const EXCHANGE_ERRORS = ['ExchangeError']

function sameLink (a: RotationLink, b: RotationLink): boolean {
  return uint8ArrayEquals(a.previousFingerprint, b.previousFingerprint) && uint8ArrayEquals(a.signature, b.signature) && uint8ArrayEquals(a.mlDsaPublicKey, b.mlDsaPublicKey)
}

/** Two peers that rotated five and three times: their hand-overs, newest first, and spans between their keys. */
async function peers (): Promise<{ owners: RotatedPeer[], handOvers: RotationLink[][], spans: Array<HistorySpan & { owner: number }> }> {
  const crypto = selectPqCrypto()
  const owners = [await makeRotatedPeer(5, crypto), await makeRotatedPeer(3, crypto)]
  const handOvers = owners.map(p => [...p.links].reverse())
  const spans: Array<HistorySpan & { owner: number }> = []
  owners.forEach((p, owner) => {
    const fps = p.keys.map(k => fingerprint(k.mlDsaSigner.publicKey))
    for (let from = 0; from < fps.length; from++) {
      for (let to = 1; to < fps.length; to++) spans.push({ owner, from: fps[from], to: fps[to] })
    }
  })
  return { owners, handOvers, spans }
}

/**
 * HistoryResponse bytes from the peer asked: decodeHistoryResponse, then
 * checkHistoryResponse for a span between the peers' keys (the pinned key
 * given or not), on a connection authenticated as the peer asked or
 * another. Seeds: every genuine answer the peers would give. Every refusal
 * is an ExchangeError with a code; an accepted answer comes from the peer
 * asked and is empty, or exactly the run of that peer's own hand-overs from
 * `to` back to `from`; when the pinned key was not given, the oldest link's
 * signature is admission's to check (from the pin), so that link may claim
 * to come from `from` early: the answer is then a shorter run whose other
 * links are the peer's own.
 */
export const historyResponseTarget: FuzzTarget = {
  name: 'key-history-response',
  description: 'decodeHistoryResponse + checkHistoryResponse on mutated answers and noise, for spans of two rotated peers',
  ciRuns: 3000,
  async prepare () {
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const { owners, handOvers, spans: all } = await peers()
    // The spans a peer answers with links: from a key to a later one.
    const spans = all.filter(span => handOversBetween(handOvers[span.owner], span).length > 0)
    const seeds = spans.map(span => HistoryResponse.encode(createHistoryResponse(handOversBetween(handOvers[span.owner], span))))
    const property = fc.asyncProperty(
      hostileCase(seeds, { maxNoise: 512 }),
      fc.nat({ max: 9 }),
      fc.boolean(),
      async ({ bytes, seed }, choice, withKey) => {
        const decoded = attempt(outcomes, 'decode', () => decodeHistoryResponse(bytes), EXCHANGE_ERRORS)
        if (!decoded.ok) return true
        // Mostly the span the seed answers; sometimes another (of either peer).
        const span = choice < 6 ? spans[seed] : spans[(seed + choice) % spans.length]
        const owner = owners[span.owner]
        const asked: PeerId = owner.keys[0].peerId
        const remote: PeerId = choice === 9 ? owners[1 - span.owner].keys[0].peerId : asked
        const fromKey = withKey ? owner.keys.find(k => uint8ArrayEquals(fingerprint(k.mlDsaSigner.publicKey), span.from))?.mlDsaSigner.publicKey : undefined
        const checked = await attemptAsync(outcomes, 'check', async () => checkHistoryResponse(decoded.value, { crypto, asked, remote, from: span.from, to: span.to, fromKey }), EXCHANGE_ERRORS)
        if (!checked.ok) return true
        if (!remote.equals(asked)) throw new Error('checkHistoryResponse accepted an answer from another peer than the one asked')
        const links = checked.value
        outcomes.add(links.length === 0 ? 'accepted: none' : 'accepted: links')
        if (links.length === 0) return true
        const run = handOversBetween(handOvers[span.owner], span)
        // Without the pinned key the oldest link's signature is admission's to verify (from the pin), so a
        // run may reach `from` early through an unverified last link: only shorter, never longer.
        const lengthOk = fromKey === undefined ? links.length <= run.length : links.length === run.length
        if (!lengthOk) throw new Error(`checkHistoryResponse accepted ${links.length} links for a run of ${run.length}`)
        links.forEach((link, i) => {
          const oldestUnchecked = i === links.length - 1 && fromKey === undefined
          const genuine = oldestUnchecked
            ? uint8ArrayEquals(link.previousFingerprint, span.from) && uint8ArrayEquals(link.mlDsaPublicKey, run[i].mlDsaPublicKey)
            : sameLink(link, run[i])
          if (!genuine) throw new Error(`checkHistoryResponse accepted link ${i}, which is not the peer's own hand-over`)
        })
        return true
      })
    return { property, outcomes }
  }
}

/**
 * HistoryRequest bytes from a peer: decodeHistoryRequest, checkHistoryRequest
 * as the responder, then the responder's choice of links. Every refusal is
 * an ExchangeError with a code; an answer is empty or a run of at most 64 of
 * the responder's own hand-overs, from the one into `to`'s key back to the
 * one out of `from`'s.
 */
export const historyRequestTarget: FuzzTarget = {
  name: 'key-history-request',
  description: 'decodeHistoryRequest + checkHistoryRequest + the responder\'s choice of links on mutated requests and noise',
  ciRuns: 3000,
  async prepare () {
    const outcomes = new Outcomes()
    const { owners, handOvers, spans } = await peers()
    const seeds = spans.map(span => HistoryRequest.encode(createHistoryRequest(owners[span.owner].keys[0].peerId, span)))
    const property = fc.asyncProperty(hostileCase(seeds, { maxNoise: 256 }), fc.nat({ max: 3 }), async ({ bytes, seed }, choice) => {
      const decoded = attempt(outcomes, 'decode', () => decodeHistoryRequest(bytes), EXCHANGE_ERRORS)
      if (!decoded.ok) return true
      // Mostly the peer the seed was addressed to.
      const responder = choice < 3 ? spans[seed].owner : 1 - spans[seed].owner
      const self = owners[responder].keys[0].peerId
      const span = attempt(outcomes, 'check', () => checkHistoryRequest(decoded.value, self), EXCHANGE_ERRORS)
      if (!span.ok) return true
      const own = handOvers[responder]
      const links = handOversBetween(own, span.value)
      outcomes.add(links.length === 0 ? 'answer: none' : 'answer: links')
      if (links.length === 0) return true
      const at = own.indexOf(links[0])
      if (links.length > MAX_HISTORY_RESPONSE_LINKS || at < 0 || links.some((link, i) => own[at + i] !== link)) {
        throw new Error('the responder answered with links that are not a run of its own hand-overs')
      }
      if (!uint8ArrayEquals(fingerprint(links[0].mlDsaPublicKey), span.value.to) || !uint8ArrayEquals(links[links.length - 1].previousFingerprint, span.value.from)) {
        throw new Error('the responder answered with a run that does not go from `to` back to `from`')
      }
      return true
    })
    return { property, outcomes }
  }
}
