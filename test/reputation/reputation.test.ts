import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  DEFAULT_HALF_LIFE_MS, DEFAULT_THRESHOLD, MAX_SCORE, MIN_SCORE, OUTCOME_WEIGHTS, PEER_OUTCOMES, PeerReputation, type PeerOutcome, type PeerReputationInit
} from '../../src/reputation/index.js'

const hour = 60 * 60_000

/** A clock the test moves by hand. */
function clock (start = 1_700_000_000_000): { now: () => number, advance: (ms: number) => void, set: (ms: number) => void } {
  let ms = start
  return { now: () => ms, advance: d => { ms += d }, set: t => { ms = t } }
}

function reputation (init: PeerReputationInit = {}): PeerReputation {
  return new PeerReputation(init)
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9
const rounded = (x: number): number => Math.round(x * 100) / 100

describe('PeerReputation: scores', () => {
  it('is 0 for a peer never seen, and adds each outcome\'s weight', () => {
    const t = clock()
    const scores = reputation({ now: t.now })
    assert.equal(scores.score('QmNeverSeen'), 0)
    assert.equal(scores.isBelowThreshold('QmNeverSeen'), false)
    for (const outcome of PEER_OUTCOMES) {
      scores.note(`Qm${outcome}`, outcome)
      assert.equal(scores.score(`Qm${outcome}`), OUTCOME_WEIGHTS[outcome], outcome)
    }
    // Invalid is worse than stale, stale worse than withheld or refused, and a timeout costs least.
    assert.ok(OUTCOME_WEIGHTS.invalid < OUTCOME_WEIGHTS.stale)
    assert.ok(OUTCOME_WEIGHTS.stale < OUTCOME_WEIGHTS.withheld && OUTCOME_WEIGHTS.stale < OUTCOME_WEIGHTS.refused)
    assert.ok(OUTCOME_WEIGHTS.timeout > OUTCOME_WEIGHTS.refused && OUTCOME_WEIGHTS.timeout < 0)
    assert.ok(OUTCOME_WEIGHTS.valid > 0)
  })

  it('takes a PeerId object and its string form as the same peer', async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const scores = reputation({ now: clock().now })
    scores.note(peerId, 'invalid')
    scores.note(peerId.toString(), 'valid')
    assert.equal(scores.score(peerId), -7)
    assert.equal(scores.score(peerId.toString()), -7)
  })

  it('refuses a string that is no PeerId, and an unknown outcome', () => {
    const scores = reputation()
    assert.throws(() => { scores.note('/ip4/1.2.3.4', 'valid') }, TypeError)
    assert.throws(() => { scores.note('', 'valid') }, TypeError)
    assert.throws(() => { scores.note('QmPeer', 'forged' as PeerOutcome) }, TypeError)
    assert.equal(scores.size, 0)
  })

  it('clamps scores: credit cannot be banked past MAX_SCORE, debt not past MIN_SCORE', () => {
    const scores = reputation({ now: clock().now })
    for (let i = 0; i < 1000; i++) scores.note('QmFarmer', 'valid')
    assert.equal(scores.score('QmFarmer'), MAX_SCORE)
    // A farmed peer turning hostile is skipped after a bounded number of forged answers.
    let forged = 0
    while (!scores.isBelowThreshold('QmFarmer')) {
      scores.note('QmFarmer', 'invalid')
      forged++
    }
    assert.equal(forged, Math.floor((MAX_SCORE - DEFAULT_THRESHOLD) / -OUTCOME_WEIGHTS.invalid) + 1)
    for (let i = 0; i < 1000; i++) scores.note('QmFarmer', 'invalid')
    assert.equal(scores.score('QmFarmer'), MIN_SCORE)
  })

  it('decays towards 0 with the half-life, both ways', () => {
    const t = clock()
    const scores = reputation({ now: t.now })
    for (let i = 0; i < 4; i++) scores.note('QmBad', 'invalid')
    for (let i = 0; i < 20; i++) scores.note('QmGood', 'valid')
    assert.equal(scores.score('QmBad'), -32)
    t.advance(DEFAULT_HALF_LIFE_MS)
    assert.ok(close(scores.score('QmBad'), -16))
    assert.ok(close(scores.score('QmGood'), 10))
    t.advance(2 * DEFAULT_HALF_LIFE_MS)
    assert.ok(close(scores.score('QmBad'), -4))
    // A note adds to the decayed score.
    scores.note('QmBad', 'valid')
    assert.ok(close(scores.score('QmBad'), -3))
  })

  it('takes a half-life and a threshold', () => {
    const t = clock()
    const scores = reputation({ now: t.now, halfLifeMs: 10 * 60_000, threshold: -3 })
    scores.note('QmPeer', 'stale')
    assert.equal(scores.isBelowThreshold('QmPeer'), true)
    t.advance(10 * 60_000)
    assert.ok(close(scores.score('QmPeer'), -2))
    assert.equal(scores.isBelowThreshold('QmPeer'), false)
  })

  it('skips a peer only strictly below the threshold, and recovers as it decays', () => {
    const t = clock()
    const scores = reputation({ now: t.now })
    scores.note('QmPeer', 'invalid')
    scores.note('QmPeer', 'refused')
    assert.equal(scores.score('QmPeer'), -10)
    assert.equal(scores.isBelowThreshold('QmPeer'), false)
    scores.note('QmPeer', 'timeout')
    assert.equal(scores.isBelowThreshold('QmPeer'), true)
    assert.equal(scores.belowThresholdCount(), 1)
    t.advance(hour)
    assert.equal(scores.isBelowThreshold('QmPeer'), false)
    assert.equal(scores.belowThresholdCount(), 0)
  })

  it('MIN_SCORE as the threshold skips no one', () => {
    const scores = reputation({ now: clock().now, threshold: MIN_SCORE })
    for (let i = 0; i < 100; i++) scores.note('QmWorst', 'invalid')
    assert.equal(scores.isBelowThreshold('QmWorst'), false)
  })

  it('a clock stepped back neither grows a score nor freezes its decay', () => {
    const t = clock()
    const scores = reputation({ now: t.now })
    scores.note('QmPeer', 'invalid')
    t.advance(-24 * hour)
    assert.equal(scores.score('QmPeer'), -8)
    scores.note('QmPeer', 'timeout')
    assert.equal(scores.score('QmPeer'), -9)
    t.advance(hour)
    assert.ok(close(scores.score('QmPeer'), -4.5))
  })

  it('refuses options out of range', () => {
    assert.throws(() => reputation({ threshold: 1 }), { name: 'ReputationError', code: 'ERR_BAD_OPTION' })
    assert.throws(() => reputation({ threshold: MIN_SCORE - 1 }), { name: 'ReputationError' })
    assert.throws(() => reputation({ threshold: NaN }), { name: 'ReputationError' })
    assert.throws(() => reputation({ halfLifeMs: 0 }), { name: 'ReputationError' })
    assert.throws(() => reputation({ maxPeers: 0 }), { name: 'ReputationError' })
  })

  it('reports each note', () => {
    const seen: PeerOutcome[] = []
    const scores = reputation({ onOutcome: outcome => { seen.push(outcome) } })
    scores.note('QmA', 'valid')
    scores.note('QmB', 'withheld')
    assert.deepEqual(seen, ['valid', 'withheld'])
  })

  it('lists the lowest and highest scores, each peer once', () => {
    const scores = reputation({ now: clock().now })
    for (let i = 1; i <= 10; i++) {
      for (let n = 0; n < i; n++) scores.note(`QmPeer${i}`, i % 2 === 0 ? 'valid' : 'timeout')
    }
    const extremes = scores.extremes(2)
    assert.deepEqual(extremes.map(p => p.peer), ['QmPeer9', 'QmPeer7', 'QmPeer8', 'QmPeer10'])
    assert.deepEqual(extremes.map(p => p.score), [-9, -7, 8, 10])
    assert.equal(scores.extremes(100).length, 10)
  })
})

describe('PeerReputation: bounded', () => {
  it('past maxPeers forgets the peers closest to 0, then the least recently noted, and keeps the worst', () => {
    const t = clock()
    const scores = reputation({ now: t.now, maxPeers: 20 })
    scores.note('QmWorst', 'invalid')
    scores.note('QmWorst', 'invalid')
    for (let i = 0; i < 19; i++) {
      t.advance(1)
      scores.note(`QmFlood${i}`, 'valid')
    }
    assert.equal(scores.size, 20)
    t.advance(1)
    scores.note('QmOneMore', 'valid')
    // A tenth forgotten at once: 21 peers down to 18.
    assert.equal(scores.size, 18)
    assert.equal(rounded(scores.score('QmWorst')), -16)
    assert.equal(scores.score('QmFlood0'), 0)
    assert.equal(scores.score('QmFlood2'), 0)
    assert.equal(rounded(scores.score('QmFlood3')), 1)
    assert.equal(rounded(scores.score('QmOneMore')), 1)
    for (let i = 0; i < 100; i++) scores.note(`QmMore${i}`, 'timeout')
    assert.ok(scores.size <= 20)
    assert.equal(rounded(scores.score('QmWorst')), -16)
  })
})
