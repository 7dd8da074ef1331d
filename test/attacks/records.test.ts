import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { KeyRecord as KeyRecordMessage } from '../../protobuf/key-record.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import { createKeyRecord, marshalKeyRecord, MAX_RECORD_BYTES, recordContext, recordSignedBytes, routingKeyFor } from '../../src/record/index.js'
import { assertCounted, assertHolds } from '../helpers/attacks.js'
import { startHostileNode } from '../helpers/hostile-node.js'
import { dhtGet, dhtPut } from '../helpers/kad-wire.js'
import { startNetwork } from '../helpers/network.js'
import { concat } from '../helpers/protobuf-wire.js'
import type { KeyRecord, KeyRecordContent } from '../../src/record/index.js'
import type { HostileNode } from '../helpers/hostile-node.js'
import type { TestNetwork, TestNode } from '../helpers/network.js'

/**
 * Attack catalogue, forged and broken key records (docs/security.md, "Key
 * records"). The target already holds the victim's record, in its registry
 * and in its DHT store. A hostile DHT node then tries the forgery both ways
 * a record travels: it PUTs it straight to the target, and it serves it
 * when the target looks the victim up again. Each time the target's /pqk/
 * validator refuses it with its code, counts it once per arrival in
 * keydir_verification_failures_total{source="dht"}, keeps serving the
 * victim's record to others, resolves the right keys, and its registry
 * still holds the right record.
 */

const minute = 60_000
const day = 24 * 60 * minute

describe('attacks with forged and broken key records, through the DHT', () => {
  let net: TestNetwork
  let victim: TestNode
  let target: TestNode
  let other: TestNode
  let hostile: HostileNode
  let good: KeyRecord
  let key: Uint8Array

  /** A record signed with the victim's own keys (as if they leaked), with chosen fields. */
  async function victimSigned (seq: number, issuedAt: number, lifetimeMs: number): Promise<KeyRecord> {
    const identity = await loadIdentity(victim.dir.path, { crypto: selectPqCrypto() })
    return createKeyRecord({ privateKey: identity.privateKey, mlDsaSigner: identity.mlDsaSigner, mlKemPublicKey: identity.mlKem.publicKey, seq, issuedAt, lifetimeMs })
  }

  /** The victim's current record with another X25519 key, signed with the victim's own keys (createKeyRecord would refuse the key). */
  async function victimSignedX25519 (x25519PublicKey: Uint8Array): Promise<Uint8Array> {
    const identity = await loadIdentity(victim.dir.path, { crypto: selectPqCrypto() })
    const content: KeyRecordContent = { ...good, seq: good.seq + 5, x25519PublicKey }
    const signed = recordSignedBytes(content)
    return marshalKeyRecord(content, await identity.privateKey.sign(signed), identity.mlDsaSigner.sign(signed, recordContext(content)))
  }

  const field = (changes: Partial<KeyRecordMessage>): Uint8Array => KeyRecordMessage.encode({ ...KeyRecordMessage.decode(good.bytes), ...changes })
  const flipped = (bytes: Uint8Array, at: number): Uint8Array<ArrayBuffer> => { const out = Uint8Array.from(bytes); out[at] ^= 1; return out }

  before(async () => {
    // Three honest nodes, DHT only; the target asks every DHT peer it knows (quorums of 100), the hostile one included, however low its score (a threshold of -100 skips no one).
    net = await startNetwork(3, { paths: { direct: false } })
    victim = net.nodes[1]
    other = net.nodes[0]
    target = await net.add({ paths: { direct: false }, firstContactQuorum: 100, refreshQuorum: 100, firstContactGraceMs: 10_000, reputationThreshold: -100 })
    good = (await victim.node.resolve(victim.node.peerId)).record
    assert.ok(good.x25519PublicKey !== undefined, 'nodes publish version-2 records')
    key = routingKeyFor(victim.node.peerId)
    hostile = await startHostileNode([net.anchor.node.getMultiaddrs()[0].toString(), target.node.getMultiaddrs()[0].toString()])
    for (let i = 0; i < 200 && (await target.node.status()).dhtSize < net.nodes.length; i++) {
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    // The target holds the victim's record in its DHT store (anyone may pass on a valid record) and its registry.
    assert.equal(await dhtPut(hostile.libp2p, target.node.peerId, key, good.bytes), true)
    assert.equal((await target.node.resolve(victim.node.peerId)).seq, good.seq)
    assert.ok(uint8ArrayEquals((await dhtGet(hostile.libp2p, target.node.peerId, key)) ?? new Uint8Array(0), good.bytes), 'the target serves the victim\'s record')
  })

  after(async () => {
    await hostile.stop()
    await net.stop()
  })

  const cases: Array<[string, string, () => Promise<Uint8Array>]> = [
    ['a forged ML-DSA-65 signature', 'ERR_BAD_ML_DSA_SIGNATURE', async () => field({ mlDsaSignature: flipped(good.mlDsaSignature, 100) })],
    ['a forged libp2p (Ed25519) signature', 'ERR_BAD_LIBP2P_SIGNATURE', async () => field({ libp2pSignature: flipped(good.libp2pSignature, 3) })],
    ['a valid record of peer A served for peer B', 'ERR_PEER_ID_MISMATCH', async () => (await other.node.resolve(other.node.peerId)).record.bytes],
    ['the ML-KEM-768 key swapped under valid-looking signatures', 'ERR_BAD_LIBP2P_SIGNATURE',
      async () => field({ mlKemPublicKey: (await other.node.resolve(other.node.peerId)).record.mlKemPublicKey as Uint8Array<ArrayBuffer> })],
    ['a rollback to a lower sequence number', 'ERR_ROLLBACK', async () => (await victimSigned(1, Date.now() - minute, day)).bytes],
    ['an expired record', 'ERR_RECORD_EXPIRED', async () => (await victimSigned(good.seq + 5, Date.now() - 2 * day, day)).bytes],
    ['an issue time in the future', 'ERR_ISSUED_IN_FUTURE', async () => (await victimSigned(good.seq + 5, Date.now() + 10 * minute, day)).bytes],
    ['an oversized record', 'ERR_RECORD_TOO_LARGE', async () => concat([good.bytes, new Uint8Array(MAX_RECORD_BYTES + 1 - good.bytes.length)])],
    ['trailing bytes (an extra field)', 'ERR_RECORD_NOT_CANONICAL', async () => concat([good.bytes, Uint8Array.of(0x70, 0x01)])], // field 14, varint 1 (fields 10 to 13 are taken)
    ['a duplicate field', 'ERR_RECORD_NOT_CANONICAL', async () => concat([good.bytes, KeyRecordMessage.encode({ seq: BigInt(good.seq + 1) })])],
    ['trailing garbage', 'ERR_RECORD_MALFORMED', async () => concat([good.bytes, Uint8Array.of(0xff)])],
    ['an ML-DSA-65 key of the wrong length', 'ERR_BAD_KEY_LENGTH', async () => field({ mlDsaPublicKey: good.mlDsaPublicKey.slice(1) })],
    ['an ML-KEM-768 key of the wrong length', 'ERR_BAD_KEY_LENGTH', async () => field({ mlKemPublicKey: concat([good.mlKemPublicKey, Uint8Array.of(0)]) as Uint8Array<ArrayBuffer> })],
    ['an ML-DSA-65 signature of the wrong length', 'ERR_BAD_SIGNATURE_LENGTH', async () => field({ mlDsaSignature: good.mlDsaSignature.slice(0, -1) })],
    // Version 2: the X25519 key sealed messages are encapsulated to.
    ['an X25519 key of small order, signed with the victim\'s keys', 'ERR_X25519_SMALL_ORDER', async () => victimSignedX25519(Uint8Array.of(1, ...new Uint8Array(31)))],
    ['version 2 without its X25519 key', 'ERR_RECORD_VERSION_MISMATCH', async () => field({ x25519PublicKey: new Uint8Array(0) })],
    ['an unknown record version', 'ERR_UNKNOWN_RECORD_VERSION', async () => field({ version: 3 })],
    ['the X25519 key stripped (served as a version-1 record)', 'ERR_BAD_LIBP2P_SIGNATURE', async () => field({ version: 0, x25519PublicKey: new Uint8Array(0) })],
    ['the X25519 key swapped under valid-looking signatures', 'ERR_BAD_LIBP2P_SIGNATURE',
      async () => field({ x25519PublicKey: (await other.node.resolve(other.node.peerId)).record.x25519PublicKey as Uint8Array<ArrayBuffer> })]
  ]

  for (const [name, code, make] of cases) {
    it(`${name} is refused: ${code}`, async () => {
      const forged = await make()

      // Pushed straight into the target's DHT store: refused and counted once, nothing replaced.
      await assertCounted(target.node, 'dht', code, async () => {
        assert.equal(await dhtPut(hostile.libp2p, target.node.peerId, key, forged), false, 'the target stored the forgery')
      }, 1)
      assert.ok(uint8ArrayEquals((await dhtGet(hostile.libp2p, target.node.peerId, key)) ?? new Uint8Array(0), good.bytes), 'the target no longer serves the victim\'s record')

      // Served to the target when it looks the victim up: refused and counted, the right keys resolve.
      await hostile.serveDhtRecord(key, forged)
      await assertCounted(target.node, 'dht', code, async () => {
        const keys = await target.node.resolve(victim.node.peerId, { refresh: true })
        assert.deepEqual(keys.mlDsaPublicKey, good.mlDsaPublicKey)
        assert.deepEqual(keys.mlKemPublicKey, good.mlKemPublicKey)
        assert.equal(keys.seq, good.seq)
      })
      await assertHolds(target.node, victim.node.peerId, good.bytes)
    })
  }
})
