import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeScoreRow, PeerReputation, SCORE_ROWS, type PeerReputationInit } from '../../src/reputation/index.js'
import { hour, isError, openFixture, type Fixture } from '../registry/fixture.js'

/** Scores kept in the fixture registry's database, as create.ts keeps them. */
async function openScores (f: Fixture, init: PeerReputationInit = {}): Promise<PeerReputation> {
  const scores = new PeerReputation({ store: f.registry.sideRows(SCORE_ROWS), now: f.clock.now, onCorruptValue: (key, err) => { f.corrupt.push({ key, err }) }, ...init })
  await scores.open()
  return scores
}

const rounded = (x: number): number => Math.round(x * 100) / 100

describe('PeerReputation: kept in the registry\'s database', () => {
  it('keeps scores across a close and reopen, decayed by the time between', async () => {
    const f = await openFixture()
    try {
      const scores = await openScores(f)
      scores.note('QmBad', 'invalid')
      scores.note('QmBad', 'stale')
      scores.note('QmGood', 'valid')
      await scores.close()
      await f.reopen()
      f.clock.advance(hour)
      const again = await openScores(f)
      assert.equal(rounded(again.score('QmBad')), -6)
      assert.equal(rounded(again.score('QmGood')), 0.5)
      assert.equal(again.score('QmNever'), 0)
      await again.close()
    } finally {
      await f.cleanup()
    }
  })

  it('flush writes the changes while it stays open (the timer calls it)', async () => {
    const f = await openFixture()
    try {
      const scores = await openScores(f)
      scores.note('QmPeer', 'refused')
      await scores.flush()
      const rows = await f.registry.sideRows(SCORE_ROWS).readAll()
      assert.deepEqual(rows.map(([key]) => key), ['QmPeer'])
      await scores.close()
    } finally {
      await f.cleanup()
    }
  })

  it('forgets scores that decayed to about 0, on disk too', async () => {
    const f = await openFixture()
    try {
      const scores = await openScores(f)
      scores.note('QmOld', 'valid')
      scores.note('QmRecent', 'invalid')
      await scores.flush()
      f.clock.advance(10 * hour)
      scores.note('QmRecent', 'invalid')
      await scores.close()
      const rows = await f.registry.sideRows(SCORE_ROWS).readAll()
      assert.deepEqual(rows.map(([key]) => key), ['QmRecent'])
    } finally {
      await f.cleanup()
    }
  })

  it('skips a corrupt row, reports it, and deletes it at the next write', async () => {
    const f = await openFixture()
    try {
      await f.writeRaw(SCORE_ROWS, 'QmShort', new Uint8Array([1, 2, 3]))
      await f.writeRaw(SCORE_ROWS, 'QmHuge', encodeScoreRow({ score: 1e9, updatedAt: f.clock.now() }))
      await f.writeRaw(SCORE_ROWS, 'QmNaN', encodeScoreRow({ score: NaN, updatedAt: f.clock.now() }))
      await f.writeRaw(SCORE_ROWS, 'QmBadTime', encodeScoreRow({ score: -5, updatedAt: -1 }))
      await f.writeRaw(SCORE_ROWS, '/not/a/peer', encodeScoreRow({ score: -5, updatedAt: f.clock.now() }))
      await f.writeRaw(SCORE_ROWS, 'QmFine', encodeScoreRow({ score: -50, updatedAt: f.clock.now() }))
      await f.reopen()
      const scores = await openScores(f)
      assert.deepEqual(f.corrupt.map(c => c.key).sort(), ['peer-scores//not/a/peer', 'peer-scores/QmBadTime', 'peer-scores/QmHuge', 'peer-scores/QmNaN', 'peer-scores/QmShort'])
      assert.ok(f.corrupt.every(c => c.err.name === 'ReputationError'))
      assert.equal(scores.score('QmShort'), 0)
      assert.equal(scores.score('QmHuge'), 0)
      assert.equal(scores.score('QmFine'), -50)
      await scores.close()
      const rows = await f.registry.sideRows(SCORE_ROWS).readAll()
      assert.deepEqual(rows.map(([key]) => key), ['QmFine'])
    } finally {
      await f.cleanup()
    }
  })

  it('a row written by a clock that was ahead decays from now on', async () => {
    const f = await openFixture()
    try {
      await f.writeRaw(SCORE_ROWS, 'QmAhead', encodeScoreRow({ score: -40, updatedAt: f.clock.now() + 24 * hour }))
      await f.reopen()
      const scores = await openScores(f)
      assert.equal(scores.score('QmAhead'), -40)
      f.clock.advance(hour)
      assert.equal(rounded(scores.score('QmAhead')), -20)
      await scores.close()
    } finally {
      await f.cleanup()
    }
  })

  it('holds at most maxPeers after a reopen with a smaller bound', async () => {
    const f = await openFixture()
    try {
      const scores = await openScores(f)
      for (let i = 0; i < 30; i++) scores.note(`QmPeer${i}`, i === 7 ? 'invalid' : 'timeout')
      await scores.close()
      const fewer = await openScores(f, { maxPeers: 10 })
      assert.ok(fewer.size <= 10)
      assert.equal(fewer.score('QmPeer7'), -8)
      await fewer.close()
      assert.ok((await f.registry.sideRows(SCORE_ROWS).readAll()).length <= 10)
    } finally {
      await f.cleanup()
    }
  })

  it('a write that fails is tried again with the next', async () => {
    const f = await openFixture()
    try {
      const rows = f.registry.sideRows(SCORE_ROWS)
      const failures: Error[] = []
      let fail = true
      const scores = new PeerReputation({
        store: { readAll: async () => rows.readAll(), write: async (puts, deletes) => { if (fail) throw new Error('disk full'); await rows.write(puts, deletes) } },
        now: f.clock.now,
        onWriteError: err => { failures.push(err) }
      })
      await scores.open()
      scores.note('QmPeer', 'stale')
      await scores.flush()
      assert.equal(failures.length, 1)
      fail = false
      await scores.close()
      assert.deepEqual((await rows.readAll()).map(([key]) => key), ['QmPeer'])
    } finally {
      await f.cleanup()
    }
  })

  it('the registry keeps its own sublevels from other layers', async () => {
    const f = await openFixture()
    try {
      for (const name of ['records', 'pins', 'nonces', 'meta', 'index', 'revocations', 'Peer Scores', '']) {
        assert.throws(() => f.registry.sideRows(name), isError('RegistryError', 'ERR_BAD_SIDE_ROWS'), name)
      }
    } finally {
      await f.cleanup()
    }
  })
})
