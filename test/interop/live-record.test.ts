import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { InvalidRecordError } from '../../src/errors.js'
import { KeyRecordValidator, unmarshalKeyRecord } from '../../src/record/index.js'
import { apiGet, startNode, tempDir, type RunningNode } from '../helpers-daemon/cli.js'

/**
 * Issue 24: the verifier written in Python from the spec alone must agree
 * with keydir on records pulled from live nodes, not only on the golden
 * vectors. Two real nodes on loopback; the Python script fetches each
 * record from the API itself and must accept it with the PeerIds keydir
 * states, then refuse a record with a signature byte flipped with the code
 * keydir's own validator gives.
 */
const VERIFY_RECORD = fileURLToPath(new URL('../../../interop/python/verify_record.py', import.meta.url))
const RECORD_TYPE = 'application/vnd.keydir.key-record'

const CHECK_PYTHON = 'import sys, cryptography\n' +
  'from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem\n' +
  'if sys.version_info < (3, 11) or int(cryptography.__version__.split(".")[0]) < 48: sys.exit(1)\n' +
  'print(sys.executable)'
const found = spawnSync('python3', ['-c', CHECK_PYTHON], { encoding: 'utf8' })
/** The interpreter itself, not a version manager's shim in front of it (which takes a second a run here). */
const PYTHON = found.status === 0 ? found.stdout.trim() : undefined

interface PythonOutcome {
  status: number | null
  decision: string
  code: string | null
  peerId: string | null
  mlDsaPeerId: string | null
}

/** `python3 verify_record.py ARGS --json`, with `stdin` as the record when given. */
async function verifyWithPython (args: string[], stdin?: Uint8Array): Promise<PythonOutcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON ?? 'python3', [VERIFY_RECORD, ...args, '--json'], { timeout: 30_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      if (status !== 0 && status !== 1) {
        reject(new Error(`verify_record.py ${args.join(' ')} failed (${String(err?.code ?? err?.signal)}): ${stderr}`))
        return
      }
      resolve({ status, ...JSON.parse(stdout) as Omit<PythonOutcome, 'status'> })
    })
    child.stdin?.end(stdin === undefined ? undefined : Buffer.from(stdin))
  })
}

/** keydir's own decision on a record asked for as `peerId`: 'accept' or the code. */
function keydirDecision (peerId: string, bytes: Uint8Array): string {
  try {
    new KeyRecordValidator({ crypto: selectPqCrypto() }).validate(peerIdFromString(peerId), bytes)
    return 'accept'
  } catch (err) {
    if (err instanceof InvalidRecordError) return err.code
    throw err
  }
}

/** The record with one byte of `signature` (found in it) flipped. */
function flipSignatureByte (bytes: Uint8Array, signature: Uint8Array): Uint8Array {
  const at = Buffer.from(bytes).indexOf(Buffer.from(signature))
  assert.ok(at > 0, 'the signature is in the record')
  const flipped = Uint8Array.from(bytes)
  flipped[at + (signature.length >> 1)] ^= 0x01
  return flipped
}

describe('a live node\'s records checked by the Python verifier', { timeout: 120_000, skip: PYTHON !== undefined ? false : 'python3 3.11 with cryptography 48 or later is not installed' }, () => {
  test('accepts both nodes\' records pulled over HTTP with keydir\'s PeerIds, and refuses a flipped signature byte with keydir\'s code', async () => {
    const [dirA, dirB] = await Promise.all([tempDir(), tempDir()])
    const a = await startNode(dirA)
    let b: RunningNode | undefined
    try {
      b = await startNode(dirB, ['--bootstrap', JSON.stringify(a.summary.anchor)])
      const api = b.summary.api
      // B resolves A (and answers its own keys): the JSON keydir states for each.
      for (const peerId of [a.summary.peerId, b.summary.peerId]) {
        const keys = await apiGet(api, `/v1/keys/${peerId}`)
        assert.equal(keys.status, 200, JSON.stringify(keys.body))
        const { mlDsaPeerId } = keys.body as { mlDsaPeerId: string }
        assert.equal((keys.body as { peerId: string }).peerId, peerId)

        const byUrl = await verifyWithPython(['--url', `${api}/v1/keys/${peerId}`])
        assert.deepEqual([byUrl.status, byUrl.decision, byUrl.code, byUrl.peerId, byUrl.mlDsaPeerId], [0, 'accept', null, peerId, mlDsaPeerId])
        // The same record asked for by the ML-DSA PeerId of its key (step 10's other branch).
        const byMlDsa = await verifyWithPython(['--url', `${api}/v1/keys/${mlDsaPeerId}`])
        assert.deepEqual([byMlDsa.status, byMlDsa.decision, byMlDsa.peerId], [0, 'accept', peerId])

        const raw = await apiGet(api, `/v1/keys/${peerId}`, { accept: RECORD_TYPE })
        assert.equal(raw.status, 200)
        assert.equal(keydirDecision(peerId, raw.bytes), 'accept')
        const record = unmarshalKeyRecord(raw.bytes)
        for (const signature of [record.libp2pSignature, record.mlDsaSignature]) {
          const flipped = flipSignatureByte(raw.bytes, signature)
          const expected = keydirDecision(peerId, flipped)
          assert.match(expected, /^ERR_BAD_(LIBP2P|ML_DSA)_SIGNATURE$/)
          const refused = await verifyWithPython(['-', '--peer', peerId], flipped)
          assert.deepEqual([refused.status, refused.decision, refused.code], [1, 'refuse', expected])
        }
      }
    } finally {
      await b?.stop()
      await a.stop()
    }
  })
})
