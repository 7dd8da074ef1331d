import assert from 'node:assert/strict'
import { describe, mock, test } from 'node:test'
import { KeydirError } from '../../src/errors.js'
import { AwaitingPeers } from '../../src/publisher/awaiting-peers.js'
import { BOOTSTRAP_JOIN_GRACE_MS } from '../../src/publisher/constants.js'
import type { KeydirLogger } from '../../src/util/log.js'

/** A routing table that peers join when the test says so. */
class FakeRoutingTable extends EventTarget {
  size = 0
  join (): void {
    this.size++
    this.dispatchEvent(new Event('peer:add'))
  }
}

function setup (bootstrapPeers: number): { table: FakeRoutingTable, waiting: AwaitingPeers, warnings: string[], infos: string[], publishes: () => number } {
  const table = new FakeRoutingTable()
  const warnings: string[] = []
  const infos: string[] = []
  const logger: KeydirLogger = {
    debug: () => {},
    info: (_fields, message) => { infos.push(message) },
    warn: (fields, message) => { warnings.push(`${String(fields.code)} ${message}`) },
    error: (_fields, message) => { assert.fail(`logged an error: ${message}`) }
  }
  let published = 0
  const waiting = new AwaitingPeers({ routingTable: table, bootstrapPeers, publish: () => { published++ }, logger })
  return { table, waiting, warnings, infos, publishes: () => published }
}

const noPeers = new KeydirError('ERR_NO_PEERS', 'cannot publish to the DHT: this node has no DHT peers')

describe('publisher: the publishes a node with no DHT peers could not make', () => {
  test('a node started without bootstrap peers is warned once, at once, and publishes when a peer joins', () => {
    const { table, waiting, warnings, infos, publishes } = setup(0)
    waiting.noteFailure(noPeers)
    waiting.noteFailure(noPeers)
    assert.equal(warnings.length, 1, 'one warning, however many publishes failed')
    assert.match(warnings[0], /^ERR_NO_PEERS no DHT peers: .*--bootstrap <anchor entry or multiaddr>/)
    assert.equal(publishes(), 0)
    table.join()
    assert.equal(publishes(), 1)
    assert.deepEqual(infos, ['a DHT peer joined: publishing the key record'])
    table.join()
    assert.equal(publishes(), 1, 'one publish for the wait, not one per peer')
  })

  test('a node with bootstrap peers that join in time publishes without a warning', () => {
    const { table, waiting, warnings, publishes } = setup(2)
    waiting.noteFailure(noPeers)
    table.join()
    assert.equal(publishes(), 1)
    assert.deepEqual(warnings, [])
  })

  test('a node whose bootstrap peers do not join is warned after the grace time', () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    try {
      const { waiting, warnings } = setup(1)
      waiting.noteFailure(noPeers)
      assert.deepEqual(warnings, [])
      mock.timers.tick(BOOTSTRAP_JOIN_GRACE_MS)
      assert.equal(warnings.length, 1)
      assert.match(warnings[0], /none of this node's 1 bootstrap peer joined its DHT/)
      waiting.stop()
    } finally {
      mock.timers.reset()
    }
  })

  test('a peer that joined while the put was failing: publish at once', () => {
    const { table, waiting, warnings, publishes } = setup(0)
    table.size = 1
    waiting.noteFailure(noPeers)
    assert.equal(publishes(), 1)
    assert.deepEqual(warnings, [])
  })

  test('other failures are not its business', () => {
    const { table, waiting, warnings, publishes } = setup(0)
    waiting.noteFailure(new KeydirError('ERR_PUBLISH_TIMEOUT', 'slow'))
    waiting.noteFailure(new Error('boom'))
    table.join()
    assert.deepEqual(warnings, [])
    assert.equal(publishes(), 0)
  })
})
