import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { BootstrapKeeper, jitteredWait, nextRejoinBase, REJOIN_FIRST_MS, REJOIN_MAX_MS, type BootstrapKeeperComponents } from '../../src/node/bootstrap.js'
import type { PeerKeyRegistry } from '../../src/registry/index.js'

describe('bootstrap rejoin waits', () => {
  it('double while the routing table stays empty, up to the longest wait, and start again once it has peers', () => {
    const bases: number[] = []
    let base = REJOIN_FIRST_MS
    for (let i = 0; i < 6; i++) bases.push(base = nextRejoinBase(base, true))
    assert.deepEqual(bases, [10_000, 20_000, 40_000, REJOIN_MAX_MS, REJOIN_MAX_MS, REJOIN_MAX_MS])
    assert.equal(nextRejoinBase(REJOIN_MAX_MS, false), REJOIN_FIRST_MS)
  })

  it('are spread from 0.75 to 1.25 of the base, so nodes turned away together come back apart', () => {
    assert.equal(jitteredWait(10_000, () => 0), 7_500)
    assert.equal(jitteredWait(10_000, () => 0.5), 10_000)
    assert.equal(jitteredWait(10_000, () => 0.999999), 12_500)
  })
})

describe('BootstrapKeeper', () => {
  let dials: number
  let tableSize: number
  let hang: boolean
  let keeper: BootstrapKeeper

  beforeEach(async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    dials = 0
    tableSize = 0
    hang = false
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    // A bootstrap peer that turns every dial away, as a swamped anchor does.
    const components = {
      connectionManager: {
        getConnections: () => [],
        openConnection: async (_peer: unknown, options: { signal: AbortSignal }) => {
          dials++
          // A dial in flight ends only when its signal does (stop(), or the dial's own timeout).
          if (hang) await new Promise(resolve => { options.signal.addEventListener('abort', resolve, { once: true }) })
          throw new Error('connection refused')
        }
      },
      peerStore: { merge: async () => {} },
      identify: { identify: async () => { throw new Error('not connected') } },
      dht: { routingTable: { get size () { return tableSize } } }
    } as unknown as BootstrapKeeperComponents
    keeper = new BootstrapKeeper(components, {
      peers: [{ peerId, multiaddr: multiaddr(`/ip4/10.0.0.1/tcp/4001/p2p/${peerId.toString()}`) }],
      registry: {} as unknown as PeerKeyRegistry
    })
    await keeper.start()
    await keeper.afterStart()
  })

  afterEach(() => {
    keeper.stop()
    mock.timers.reset()
  })

  /** Advance the clock by the longest wait a base can draw, and let the try it starts end. */
  async function waitOut (baseMs: number): Promise<void> {
    mock.timers.tick(baseMs * 1.25)
    for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
  }

  it('turned away, tries again after waits that double, not every 5 s', async () => {
    assert.equal(dials, 1, 'afterStart dials once')
    await waitOut(5_000)
    assert.equal(dials, 2)
    await waitOut(10_000)
    assert.equal(dials, 3)
    await waitOut(20_000)
    assert.equal(dials, 4)
    // The next wait is at least 0.75 x 40 s: 25 s more brings no try (a fixed 5 s would have made five).
    mock.timers.tick(25_000)
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(dials, 4)
  })

  it('dials no more once the routing table has peers, and none after stop', async () => {
    await waitOut(5_000)
    assert.equal(dials, 2)
    tableSize = 3
    for (let i = 0; i < 10; i++) await waitOut(REJOIN_MAX_MS)
    assert.equal(dials, 2)
    tableSize = 0
    keeper.stop()
    for (let i = 0; i < 5; i++) await waitOut(REJOIN_MAX_MS)
    assert.equal(dials, 2)
  })

  it('a try still in flight at stop() schedules no other', async () => {
    hang = true
    mock.timers.tick(5_000 * 1.25)
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(dials, 2, 'the first rejoin is dialling')
    keeper.stop()
    for (let i = 0; i < 5; i++) await waitOut(REJOIN_MAX_MS)
    assert.equal(dials, 2)
  })
})
