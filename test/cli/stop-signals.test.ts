import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { DUPLICATE_SIGNAL_MS, StopSignals } from '../../src/cli/stop-signals.js'

/** StopSignals on a clock the test moves; signals are delivered with process.emit, so nothing real is sent. */
function watch (): { signals: StopSignals, forced: NodeJS.Signals[], clock: { now: number } } {
  const clock = { now: 1_000_000 }
  const forced: NodeJS.Signals[] = []
  const signals = new StopSignals(signal => { forced.push(signal) }, () => clock.now)
  return { signals, forced, clock }
}

describe('StopSignals: what SIGINT and SIGTERM do to keydir start', () => {
  test('the first signal asks for a clean stop', async () => {
    const { signals, forced } = watch()
    try {
      process.emit('SIGTERM', 'SIGTERM')
      assert.equal(await signals.requested, 'SIGTERM')
      assert.deepEqual(forced, [])
    } finally {
      signals.dispose()
    }
  })

  test('the same Ctrl-C again from npm, within the window, is the same request; a later one forces', async () => {
    const { signals, forced, clock } = watch()
    try {
      process.emit('SIGINT', 'SIGINT') // the terminal's
      clock.now += 5
      process.emit('SIGINT', 'SIGINT') // npm's forward of it (npm/cli#5021)
      clock.now += DUPLICATE_SIGNAL_MS - 10
      process.emit('SIGINT', 'SIGINT')
      assert.equal(await signals.requested, 'SIGINT')
      assert.deepEqual(forced, [], 'one Ctrl-C is one request')
      clock.now += 10
      process.emit('SIGINT', 'SIGINT')
      assert.deepEqual(forced, ['SIGINT'], 'a Ctrl-C pressed again while it stops forces the exit')
    } finally {
      signals.dispose()
    }
  })

  test('after a stop asked through the API (keydir stop), the first signal, such as systemctl stop\'s, still waits for the clean stop', () => {
    const { signals, forced, clock } = watch()
    try {
      // keydir stop has no hook here: it is a stop for another reason, which a signal then joins.
      clock.now += 3000
      process.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual(forced, [])
      clock.now += DUPLICATE_SIGNAL_MS
      process.emit('SIGTERM', 'SIGTERM')
      assert.deepEqual(forced, ['SIGTERM'], 'a second one, later, forces')
    } finally {
      signals.dispose()
    }
  })
})
