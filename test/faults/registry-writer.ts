import { readFile } from 'node:fs/promises'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { NonceBook } from '../../src/exchange/index.js'
import { KeyRecordValidator, unmarshalKeyRecord } from '../../src/record/index.js'
import { PeerKeyRegistry } from '../../src/registry/index.js'

/**
 * The child of test/faults/crash.test.ts: a registry under heavy writes,
 * waiting to be killed. It stores the next record of every peer at once (as
 * fast as the registry takes them), accepts ever larger inbound nonces and
 * hands out outbound nonces, and after each write completes prints a line:
 *
 *   S <peer> <seq>      storePeerKeys resolved for that record
 *   N <peer> <nonce>    acceptInboundNonce resolved true
 *   O <nonce>           nextOutboundNonce resolved
 *
 * stdout is a pipe, which Node writes synchronously on Linux and macOS, so a
 * printed line is a completed write. Usage:
 *   node registry-writer.js <registry dir> <records.json> <round>
 */

interface Plan {
  /** records[peer][seq - 1]: base64 record bytes. */
  records: string[][]
  /** Index of the peer configured as an anchor, and its base64 ML-DSA-65 key. */
  anchor: { peer: number, mlDsaPublicKey: string }
}

const [path, planFile, roundArg] = process.argv.slice(2)
const plan = JSON.parse(await readFile(planFile, 'utf8')) as Plan
const round = BigInt(roundArg)
const records = plan.records.map(list => list.map(b64 => new Uint8Array(Buffer.from(b64, 'base64'))))
const peerIds = records.map(list => unmarshalKeyRecord(list[0]).peerId)

const crypto = selectPqCrypto()
const registry = new PeerKeyRegistry({ path, crypto, validator: new KeyRecordValidator({ crypto }) })
await registry.open()
const nonces = new NonceBook(registry.nonceStore)
// As a node does on every start.
await registry.setAnchor(peerIds[plan.anchor.peer], { mlDsaPublicKey: new Uint8Array(Buffer.from(plan.anchor.mlDsaPublicKey, 'base64')) })
process.stdout.write('READY\n')

let nonce = round * 1_000_000n
async function worker (peer: number): Promise<void> {
  const id = peerIds[peer]
  for (let i = 0; ; i++) {
    const pin = await registry.getPin(id)
    const seq = (pin?.highestSeq ?? 0) + 1
    if (seq <= records[peer].length) {
      await registry.storePeerKeys(records[peer][seq - 1], peer % 2 === 0 ? 'dht' : 'direct', { verified: peer % 2 === 1 })
      process.stdout.write(`S ${peer} ${seq}\n`)
    }
    const n = ++nonce
    if (await nonces.acceptInbound(id, n)) process.stdout.write(`N ${peer} ${n}\n`)
    if (i % 3 === peer % 3) process.stdout.write(`O ${await nonces.nextOutbound()}\n`)
  }
}

await Promise.all(records.map(async (_, peer) => worker(peer)))
