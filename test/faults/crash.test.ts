import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { fingerprint, selectPqCrypto } from '../../src/crypto/index.js'
import { NonceBook } from '../../src/exchange/index.js'
import { KeyRecordValidator } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'
import { hasCode } from '../helpers/attacks.js'
import { makeIdentity, makeRecord, rotateIdentity } from '../helpers/records.js'
import { makeTempDir } from '../helpers/temp-dir.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { TempDir } from '../helpers/temp-dir.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Crash safety (docs/security.md, "Crash safety"): a child process runs a
 * registry under heavy concurrent writes (records of twelve peers, one of
 * them an anchor, with a key rotation half way; inbound and outbound nonces)
 * and is killed with SIGKILL at a random moment, twenty times over on the
 * same database. After every kill the database opens, every store the child
 * reported complete is there, every record served is exactly one the peer
 * signed and fits its pin, nothing is reported corrupt, rollbacks are still
 * refused, and no nonce the child reported accepted is accepted again.
 *
 * Four of the rounds also cut the tail off LevelDB's write-ahead log, as a
 * power cut in the middle of an append would: the database must still open
 * and serve only whole, valid records (completed stores may be lost there:
 * keydir writes without fsync; see docs/security.md).
 */

const PEERS = 12
const SEQS = 60
const ROTATE_AT = 31
const ROUNDS = 20
const TORN_ROUNDS = new Set([5, 10, 15, 20])
const writer = join(fileURLToPath(new URL('.', import.meta.url)), 'registry-writer.js')

interface ChildRun {
  lines: string[]
  signal: NodeJS.Signals | null
}

/** Start the writer, kill it with SIGKILL after `killAfter` completed writes, and collect every line it printed. */
async function runUntilKilled (path: string, plan: string, round: number, killAfter: number): Promise<ChildRun> {
  const child = spawn(process.execPath, [writer, path, plan, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let stderr = ''
  child.stderr.on('data', chunk => { stderr += String(chunk) })
  let writes = 0
  createInterface({ input: child.stdout }).on('line', line => {
    lines.push(line)
    if (line !== 'READY' && ++writes === killAfter) child.kill('SIGKILL')
  })
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const guard = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the writer made only ${writes} writes: ${stderr}`)) }, 60_000)
    child.on('close', (code, sig) => {
      clearTimeout(guard)
      if (sig == null) reject(new Error(`the writer exited by itself (${String(code)}): ${stderr}`))
      else resolve(sig)
    })
  })
  return { lines, signal }
}

/** Cut a random number of bytes off the end of the newest LevelDB log: a torn append. */
async function tearLogTail (path: string): Promise<number> {
  const logs = (await readdir(path)).filter(f => f.endsWith('.log')).sort()
  const newest = logs.at(-1)
  if (newest === undefined) return 0
  const size = (await stat(join(path, newest))).size
  const cut = Math.min(size, 1 + Math.floor(Math.random() * 20_000))
  await truncate(join(path, newest), size - cut)
  return cut
}

describe('crash safety: a registry killed with SIGKILL during heavy writes', () => {
  let dir: TempDir
  let plan: string
  let peers: PeerId[]
  let records: KeyRecord[][]
  let anchorKey: Uint8Array

  before(async () => {
    dir = await makeTempDir('keydir-crash-')
    records = []
    for (let p = 0; p < PEERS; p++) {
      const first = await makeIdentity()
      const { identity: second, rotation } = rotateIdentity(first)
      const list: KeyRecord[] = []
      for (let seq = 1; seq <= SEQS; seq++) {
        list.push(await makeRecord(seq < ROTATE_AT ? first : second, { seq, lifetimeMs: 24 * 3600_000, rotation: seq < ROTATE_AT ? undefined : rotation }))
      }
      records.push(list)
      if (p === 0) anchorKey = first.mlDsaSigner.publicKey
    }
    peers = records.map(list => list[0].peerId)
    plan = join(dir.path, 'plan.json')
    await writeFile(plan, JSON.stringify({
      records: records.map(list => list.map(r => Buffer.from(r.bytes).toString('base64'))),
      anchor: { peer: 0, mlDsaPublicKey: Buffer.from(anchorKey).toString('base64') }
    }))
  })

  after(async () => {
    await dir.remove()
  })

  it(`opens after each of ${ROUNDS} kills, with every completed store, pin and nonce`, async () => {
    const path = join(dir.path, 'registry')
    const crypto = selectPqCrypto()
    /** Highest seq / inbound nonce / outbound nonce the child reported complete, over all rounds. */
    const storedSeq = new Array<number>(PEERS).fill(0)
    const acceptedNonce = new Array<bigint>(PEERS).fill(0n)
    let outbound = 0n
    let reportedStores = 0
    let lostToTornTail = 0

    for (let round = 1; round <= ROUNDS; round++) {
      const killAfter = 5 + Math.floor(Math.random() * 80)
      const run = await runUntilKilled(path, plan, round, killAfter)
      assert.equal(run.signal, 'SIGKILL')
      for (const line of run.lines) {
        const [kind, a, b] = line.split(' ')
        if (kind === 'S') { storedSeq[Number(a)] = Math.max(storedSeq[Number(a)], Number(b)); reportedStores++ }
        if (kind === 'N' && BigInt(b) > acceptedNonce[Number(a)]) acceptedNonce[Number(a)] = BigInt(b)
        if (kind === 'O' && BigInt(a) > outbound) outbound = BigInt(a)
      }
      const torn = TORN_ROUNDS.has(round) ? await tearLogTail(path) : 0

      const corrupt: string[] = []
      const registry = new PeerKeyRegistry({ path, crypto, validator: new KeyRecordValidator({ crypto }), onCorruptValue: key => { corrupt.push(key) } })
      await registry.open()
      const nonces = new NonceBook(registry.nonceStore)
      try {
        for (let p = 0; p < PEERS; p++) {
          const entry = await registry.get(peers[p])
          const pin = await registry.getPin(peers[p])
          if (torn === 0) {
            assert.ok(entry !== undefined || storedSeq[p] === 0, `round ${round}: peer ${p} lost its record (stored seq ${storedSeq[p]})`)
            assert.ok((entry?.record.seq ?? 0) >= storedSeq[p], `round ${round}: peer ${p} went back from seq ${storedSeq[p]} to ${entry?.record.seq}`)
          } else if ((entry?.record.seq ?? 0) < storedSeq[p]) {
            lostToTornTail += storedSeq[p] - (entry?.record.seq ?? 0)
            storedSeq[p] = entry?.record.seq ?? 0
          }
          if (entry === undefined) continue
          // Exactly a record the peer signed, never a half-written one, and consistent with its pin.
          assert.ok(uint8ArrayEquals(entry.record.bytes, records[p][entry.record.seq - 1].bytes), `round ${round}: peer ${p} serves bytes it never signed`)
          assert.ok(pin !== undefined && pin.highestSeq >= entry.record.seq, `round ${round}: peer ${p} pin is behind its record`)
          assert.ok(uint8ArrayEquals(pin.fingerprint, fingerprint(entry.record.mlDsaPublicKey)), `round ${round}: peer ${p} pin does not match its key`)
          assert.equal(pin.source, p === 0 ? 'anchor' : 'seen')
          assert.equal(entry.trust, p === 0 ? 'anchor' : p % 2 === 0 ? 'dht' : 'direct')
          // No rollback after the restart.
          if (entry.record.seq > 1) {
            await assert.rejects(registry.storePeerKeys(records[p][entry.record.seq - 2], 'dht'), hasCode('ERR_ROLLBACK'))
          }
        }
        // Replayed nonces stay refused; outbound nonces keep rising.
        if (torn === 0) {
          for (let p = 0; p < PEERS; p++) {
            if (acceptedNonce[p] > 0n) assert.equal(await nonces.acceptInbound(peers[p], acceptedNonce[p]), false, `round ${round}: peer ${p} nonce ${acceptedNonce[p]} accepted again`)
          }
        }
        // Even where a torn log lost the last one written, the clock term keeps them above every one handed out.
        const next = await nonces.nextOutbound()
        assert.ok(next > outbound, `round ${round}: outbound nonce ${next} is not above ${outbound}`)
        outbound = next
        // A torn log may have lost accepted nonces (the replay window docs/security.md describes): expect nothing of them.
        if (torn > 0) acceptedNonce.fill(0n)
        assert.deepEqual(corrupt, [], `round ${round}: values reported corrupt`)
      } finally {
        await nonces.idle()
        await registry.close()
      }
    }
    const final = storedSeq.reduce((n, s) => n + s, 0)
    console.log(`# crash: ${ROUNDS} SIGKILLs (${TORN_ROUNDS.size} with a torn log tail), ${reportedStores} stores reported complete, ` +
      `all found after plain kills; ${lostToTornTail} seq steps lost to torn log tails; ${final} records' worth of seq reached`)
    assert.ok(reportedStores > ROUNDS, 'the child wrote something before most kills')
  })
})
