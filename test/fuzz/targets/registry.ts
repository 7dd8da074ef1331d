import fc from 'fast-check'
import { Level } from 'level'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { RegistryEntry as EntryMessage } from '../../../protobuf/registry-entry.js'
import { fingerprint, selectPqCrypto } from '../../../src/crypto/index.js'
import { NonceBook, OUTBOUND_NONCE_KEY } from '../../../src/exchange/index.js'
import { KeyRecordValidator } from '../../../src/record/index.js'
import { PeerKeyRegistry } from '../../../src/registry/index.js'
import { makeIdentity, makeRecord } from '../../helpers/records.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { corpus, hex } from '../corpus.js'
import { attemptAsync, Outcomes, refusalCode } from '../harness.js'
import { hostileBytes } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'
import type { KeyRecord } from '../../../src/record/index.js'
import type { RegistryEntry, TrustLevel } from '../../../src/registry/index.js'
import type { TestIdentity } from '../../helpers/records.js'

const SUBLEVELS = ['records', 'pins', 'nonces', 'meta', 'index'] as const
type Sublevel = typeof SUBLEVELS[number]
const BASELINE_NONCE = 100n
const REGISTRY_ERRORS = ['RegistryError', 'InvalidRecordError']

interface Overwrite {
  sublevel: Sublevel
  /** Index of a peer, or a key that is no PeerId. */
  key: number | string
  value: Uint8Array
}

interface Peer {
  identity: TestIdentity
  first: KeyRecord
  next: KeyRecord
  trust: TrustLevel
  anchor: boolean
}

function openRaw (path: string): Level<string, Uint8Array> {
  return new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

function sublevel (db: Level<string, Uint8Array>, name: string) {
  return db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' })
}

/**
 * The registry's stored values, as a disk fault, a bad copy or another
 * program could leave them: a database holding good entries, pins and
 * nonces for six peers, with some values replaced by hostile bytes (mutated
 * entries and pins, valid entries around mutated records, noise, keys that
 * are no PeerId). After reopening, the registry must open, never throw on a
 * read, report the bad values, serve only records that validate and fit
 * their pin, lose nothing it was not told to lose, and refuse (typed) what
 * it cannot do safely.
 */
export const registryTarget: FuzzTarget = {
  name: 'registry-values',
  description: 'PeerKeyRegistry reading hostile values written into its LevelDB (records, pins, nonces, meta, record summaries)',
  ciRuns: 120,
  async prepare () {
    const c = await corpus()
    const crypto = selectPqCrypto()
    const outcomes = new Outcomes()
    const now = (): number => c.now
    const minute = 60_000
    const identities = [...c.peers, ...await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()])]
    const trusts: TrustLevel[] = ['dht', 'direct', 'dht', 'anchor', 'direct', 'dht']
    const peers: Peer[] = await Promise.all(identities.map(async (identity, i) => ({
      identity,
      first: await makeRecord(identity, { seq: 10, issuedAt: c.now - minute }),
      next: await makeRecord(identity, { seq: 11, issuedAt: c.now - minute }),
      trust: trusts[i],
      anchor: trusts[i] === 'anchor'
    })))
    const validator = new KeyRecordValidator({ crypto, now })
    const dir = await makeTempDir('keydir-fuzz-registry-')
    const path = dir.path

    // The good database every case starts from.
    const reports: string[] = []
    const open = async (): Promise<PeerKeyRegistry> => {
      const registry = new PeerKeyRegistry({ path, crypto, validator, now, onCorruptValue: key => { reports.push(key) } })
      await registry.open()
      return registry
    }
    {
      const registry = await open()
      const nonces = new NonceBook(registry.nonceStore, { now })
      for (const peer of peers) {
        if (peer.anchor) await registry.setAnchor(peer.identity.peerId, { mlDsaPublicKey: peer.identity.mlDsaSigner.publicKey })
        await registry.storePeerKeys(peer.first, peer.trust === 'anchor' ? 'dht' : peer.trust)
        await nonces.acceptInbound(peer.identity.peerId, BASELINE_NONCE)
      }
      await nonces.nextOutbound()
      await nonces.idle()
      await registry.close()
    }
    const baseline: Array<[string, Uint8Array]> = []
    const seeds = new Map<Sublevel, Uint8Array[]>(SUBLEVELS.map(s => [s, []]))
    {
      const db = openRaw(path)
      for await (const [key, value] of db.iterator()) baseline.push([key, value.slice()])
      for (const name of SUBLEVELS) {
        for await (const value of sublevel(db, name).values()) seeds.get(name)!.push(value.slice())
      }
      await db.close()
    }
    const allRecords = [...c.records.map(r => r.bytes), ...peers.flatMap(p => [p.first.bytes, p.next.bytes])]
    const validHex = new Set(allRecords.map(hex))

    const entryAround = fc.record({
      record: hostileBytes(allRecords),
      trust: fc.oneof(fc.constantFrom('self', 'anchor', 'direct', 'dht', '', 'root'), fc.string({ maxLength: 40 })),
      verified: fc.boolean(),
      storedAt: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
    }).map(e => EntryMessage.encode({ ...e, record: e.record as Uint8Array<ArrayBuffer> }))
    const key = fc.oneof(
      { weight: 8, arbitrary: fc.nat({ max: peers.length - 1 }) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom('not-a-peer', '', '\u0000', c.peers[0].peerId.toString() + 'x'), fc.string({ maxLength: 60 })) }
    )
    const overwrite: fc.Arbitrary<Overwrite> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ sublevel: fc.constant('records' as const), key, value: fc.oneof(hostileBytes(seeds.get('records')!), entryAround) }) },
      { weight: 3, arbitrary: fc.record({ sublevel: fc.constant('pins' as const), key, value: hostileBytes(seeds.get('pins')!) }) },
      { weight: 2, arbitrary: fc.record({ sublevel: fc.constant('nonces' as const), key, value: hostileBytes(seeds.get('nonces')!) }) },
      { weight: 1, arbitrary: fc.record({ sublevel: fc.constant('meta' as const), key: fc.constant(OUTBOUND_NONCE_KEY), value: hostileBytes(seeds.get('meta')!) }) },
      { weight: 2, arbitrary: fc.record({ sublevel: fc.constant('index' as const), key, value: hostileBytes(seeds.get('index')!) }) }
    )
    const keyName = (k: number | string): string => typeof k === 'number' ? peers[k].identity.peerId.toString() : k

    /** An entry the registry serves must hold a valid record of that peer that fits its pin. */
    const checkEntry = async (registry: PeerKeyRegistry, peer: Peer, entry: RegistryEntry | undefined): Promise<void> => {
      if (entry === undefined) return
      const id = peer.identity.peerId
      if (!entry.record.peerId.equals(id) || !validHex.has(hex(entry.record.bytes))) throw new Error('the registry served a record that is not a valid record of the peer')
      validator.validate(id, entry.record.bytes)
      const pin = await registry.getPin(id)
      if (pin === undefined || !uint8ArrayEquals(pin.fingerprint, fingerprint(entry.record.mlDsaPublicKey)) || pin.highestSeq < entry.record.seq) {
        throw new Error('the registry served a record that does not fit the peer\'s pin')
      }
      if (entry.trust === 'anchor' && pin.source !== 'anchor') throw new Error('the registry served anchor trust for a peer that is no anchor')
    }

    const property = fc.asyncProperty(fc.array(overwrite, { minLength: 1, maxLength: 6 }), async overwrites => {
      // 1. The good database with the hostile values written over it.
      const db = openRaw(path)
      await db.clear()
      await db.batch(baseline.map(([k, value]) => ({ type: 'put' as const, key: k, value })))
      for (const o of overwrites) await sublevel(db, o.sublevel).put(keyName(o.key), o.value)
      await db.close()
      const touched = new Set(overwrites.map(o => `${o.sublevel}/${keyName(o.key)}`))
      const touchedPeer = (p: Peer): boolean => SUBLEVELS.some(s => touched.has(`${s}/${p.identity.peerId.toString()}`))

      // 2. It opens and reads without a throw, and serves only what it may.
      reports.length = 0
      const registry = await open()
      const nonces = new NonceBook(registry.nonceStore, { now })
      try {
        for (const peer of peers) {
          const entry = await registry.get(peer.identity.peerId)
          await checkEntry(registry, peer, entry)
          outcomes.add(`get: ${entry === undefined ? 'absent' : 'served'}`)
          if (!touchedPeer(peer) && !uint8ArrayEquals(entry?.record.bytes ?? new Uint8Array(0), peer.first.bytes)) {
            throw new Error('a value nobody touched was lost')
          }
        }
        for (const entry of await registry.listPeers()) {
          const peer = peers.find(p => p.identity.peerId.equals(entry.record.peerId))
          if (peer === undefined) throw new Error('listPeers served a peer that was never stored')
          await checkEntry(registry, peer, entry)
        }

        // 3. Writes after the damage: typed refusals, and what is stored is right.
        for (const peer of peers) {
          const id = peer.identity.peerId
          const stored = await attemptAsync(outcomes, 'store', async () => registry.storePeerKeys(peer.next, 'dht'), REGISTRY_ERRORS)
          const after = await registry.get(id)
          await checkEntry(registry, peer, after)
          if (stored.ok && after?.record.seq !== peer.next.seq) throw new Error('a store that succeeded is not served')
          if (!touchedPeer(peer) && !stored.ok) throw new Error(`an undamaged peer's store was refused: ${stored.code}`)

          const replay = await nonces.acceptInbound(id, BASELINE_NONCE)
          const fresh = await nonces.acceptInbound(id, BASELINE_NONCE + 1n + BigInt(overwrites.length))
          if (!touched.has(`nonces/${id.toString()}`) && (replay || !fresh)) throw new Error('an undamaged nonce stopped refusing a replay')
          outcomes.add(`nonce: replay ${replay ? 'accepted (damaged)' : 'refused'}`)
        }
        let previous = 0n
        for (let i = 0; i < 2; i++) {
          try {
            const nonce = await nonces.nextOutbound()
            if (nonce <= previous) throw new Error('outbound nonces went backwards')
            previous = nonce
            outcomes.add('outbound nonce: issued')
          } catch (err) {
            if (err instanceof Error && err.message === 'outbound nonces went backwards') throw err
            outcomes.add(`outbound nonce: ${refusalCode('nextOutbound', err, [...REGISTRY_ERRORS, 'ExchangeError'])}`)
          }
        }
        await registry.removeExpiredRecords()
      } finally {
        await nonces.idle()
        await registry.close()
      }

      // 4. Only damaged values are reported.
      // A record is also reported when the pin it must fit is damaged.
      const damagedKeys = new Set([...touched].map(k => k.slice(k.indexOf('/') + 1)))
      for (const key of reports) {
        if (!touched.has(key) && !(key.startsWith('records/') && damagedKeys.has(key.slice('records/'.length)))) {
          throw new Error(`reported ${key}, which was not damaged`)
        }
        outcomes.add(`reported: ${key.split('/')[0]}`)
      }
      return true
    })
    return { property, outcomes, close: async () => { await dir.remove() } }
  }
}
