import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { DhtLookup, PqkRecordStore } from '../../src/dht/index.js'
import { createKeyDirectory } from '../../src/node/index.js'
import { COUNT_OPTION_RANGES } from '../../src/node/options.js'
import { EquivocationValidator, RevocationValidator } from '../../src/record/index.js'
import { Resolver } from '../../src/resolver/index.js'
import { SecureSessions } from '../../src/session/index.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { CountOptionName } from '../../src/node/options.js'

const badOption = (name: string) => (err: any): boolean => err.code === 'ERR_BAD_OPTION' && err.message.startsWith(`${name} must be`)

/**
 * A library caller's numbers do not pass the config's parser: createKeyDirectory
 * checks them before it writes or opens anything, so a bad one is a clear
 * ERR_BAD_OPTION, not a lookup whose quorum is NaN or a bound that is never
 * reached, and leaves no identity or database behind.
 */
describe('createKeyDirectory: numeric options', () => {
  // The option, a bad value, and the name its error gives when not the option's (the reputation's are its fields).
  const bad: Array<[CountOptionName | 'reputationThreshold' | 'reputationHalfLifeMs', number, string?]> = [
    ['recordLifetimeMs', 999],
    ['recordLifetimeMs', 7 * 24 * 3_600_000 + 1],
    ['resolveTimeoutMs', Number.NaN],
    ['refreshAfterMs', -1],
    ['maxStaleMs', 1.5],
    ['firstContactQuorum', 0],
    ['refreshQuorum', Number.NaN],
    ['disjointPaths', Number.POSITIVE_INFINITY],
    ['firstContactGraceMs', -150],
    ['maxDhtRecords', Number.NaN],
    ['sessionHandshakeTimeoutMs', 0],
    ['reputationThreshold', 1, 'threshold'],
    ['reputationHalfLifeMs', Number.NaN, 'halfLifeMs']
  ]

  for (const [name, value, namedAs] of bad) {
    it(`refuses ${name} ${value} before anything is written`, async () => {
      const dir = await makeTempDir('keydir-bad-option-')
      try {
        await assert.rejects(createKeyDirectory({ dataDir: dir.path, [name]: value }), badOption(namedAs ?? name))
        assert.deepEqual(await readdir(dir.path), [])
      } finally {
        await dir.remove()
      }
    })
  }

  it('takes the least value of each', async () => {
    const dir = await makeTempDir('keydir-bad-option-')
    try {
      const least = Object.fromEntries(Object.entries(COUNT_OPTION_RANGES).map(([name, [min]]) => [name, min]))
      const node = await createKeyDirectory({ dataDir: dir.path, ...least })
      await node.stop()
    } finally {
      await dir.remove()
    }
  })
})

/** The parts a caller may build alone check their own options, under the node's names. */
describe('services built alone: numeric options', () => {
  const crypto = selectPqCrypto()
  const none = {} as any

  it('the DHT lookup refuses a quorum, path count, grace, alpha or ask timeout out of range', () => {
    for (const [name, init] of [['firstContactQuorum', { firstContactQuorum: 0 }], ['refreshQuorum', { refreshQuorum: Number.NaN }], ['disjointPaths', { disjointPaths: 2.5 }],
      ['firstContactGraceMs', { firstContactGraceMs: -1 }], ['alpha', { alpha: 0 }], ['askTimeoutMs', { askTimeoutMs: Number.NaN }]] as const) {
      assert.throws(() => new DhtLookup(none, init), badOption(name))
    }
  })

  it('the resolver refuses a timeout or refresh time out of range', () => {
    for (const [name, init] of [['resolveTimeoutMs', { timeoutMs: 0 }], ['refreshAfterMs', { refreshAfterMs: Number.NaN }], ['maxStaleMs', { maxStaleMs: -1 }]] as const) {
      assert.throws(() => new Resolver(none, init), badOption(name))
    }
  })

  it('the DHT store refuses a bound that is not a whole number', async () => {
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    assert.throws(() => new PqkRecordStore(new MemoryDatastore() as any, { self, maxRecords: Number.NaN }), badOption('maxDhtRecords'))
  })

  it('the session service refuses a handshake timeout below 1 ms', () => {
    assert.throws(() => new SecureSessions(none, { handshakeTimeoutMs: 0 } as any), badOption('sessionHandshakeTimeoutMs'))
  })

  it('the revocation and equivocation validators refuse a bad cache size or clock skew', () => {
    assert.throws(() => new RevocationValidator({ crypto, maxClockSkewMs: Number.NaN }), badOption('maxClockSkewMs'))
    assert.throws(() => new RevocationValidator({ crypto, verifiedCacheSize: 0 }), badOption('verifiedCacheSize'))
    assert.throws(() => new EquivocationValidator({ crypto, verifiedCacheSize: -1 }), badOption('verifiedCacheSize'))
  })
})
