/**
 * ML-DSA-65 and ML-KEM-768, native (node:crypto) beside noble.
 * Run: `npx node dist/bench/crypto.js [--quick]`.
 */
import { pathToFileURL } from 'node:url'
import { hasNativePqCrypto, ML_DSA_65, ML_KEM_768, nativeCrypto, nobleCrypto, selectPqCrypto, type PqCrypto, type PqCryptoName } from '../src/crypto/index.js'
import { VERIFY_KEY_CACHE_SIZE } from '../src/crypto/native.js'
import { KeyRecordValidator, routingKeyFor, type KeyRecord } from '../src/record/index.js'
import { makeRecords } from './lib/fixtures.js'
import { benchOp, type BenchOptions, type BenchResult } from './lib/measure.js'
import { barChartSvg, benchCommand, benchEnvironment, fmt, progressBar, publishReport, type BenchReport, type TableRow } from './lib/report.js'

export interface CryptoBenchRow {
  operation: string
  results: Partial<Record<PqCryptoName, BenchResult>>
}

const QUICK: BenchOptions = { batches: 5, batchMs: 80, warmupMs: 40 }
const FULL: BenchOptions = { batches: 10, batchMs: 500, warmupMs: 300 }

/** About the size of a key record; ML-DSA hashes the message once, so size barely matters. */
const MESSAGE = new Uint8Array(1024).fill(0x6b)
const CONTEXT = new TextEncoder().encode('keydir/bench')

interface SignedMessage { publicKey: Uint8Array, signature: Uint8Array }

/**
 * More keys than native's verify cache holds, verified in turn, so every
 * verify parses its key: the case of a directory checking many peers once.
 */
function signedByManyKeys (): SignedMessage[] {
  const fastest = selectPqCrypto('auto')
  return Array.from({ length: VERIFY_KEY_CACHE_SIZE + 1 }, (_, i) => {
    const seed = new Uint8Array(ML_DSA_65.seed)
    new DataView(seed.buffer).setUint32(0, i)
    const signer = fastest.mlDsa65.createSigner(seed)
    return { publicKey: signer.publicKey, signature: signer.sign(MESSAGE, CONTEXT) }
  })
}

/** Distinct peers whose fresh records are validated in turn. */
const RECORD_PEERS = 16

/** Each operation with its inputs made up front; add a row by adding an entry. */
function operations (impl: PqCrypto, manyKeys: SignedMessage[], records: KeyRecord[]): Array<[string, () => unknown]> {
  const dsaSeed = new Uint8Array(ML_DSA_65.seed).fill(1)
  const kemSeed = new Uint8Array(ML_KEM_768.seed).fill(2)
  const signer = impl.mlDsa65.createSigner(dsaSeed)
  const signature = signer.sign(MESSAGE, CONTEXT)
  const decapsulator = impl.mlKem768.createDecapsulator(kemSeed)
  const { cipherText } = impl.mlKem768.encapsulate(decapsulator.publicKey)
  // A one-entry verified cache and records in turn: every validation decodes and verifies both signatures.
  const validator = new KeyRecordValidator({ crypto: impl, verifiedCacheSize: 1 })
  const routingKeys = records.map(record => routingKeyFor(record.peerId))
  let next = 0
  let nextRecord = 0

  return [
    ['ML-DSA-65 keygen', () => impl.mlDsa65.createSigner(dsaSeed)],
    ['ML-DSA-65 sign (1 KiB)', () => signer.sign(MESSAGE, CONTEXT)],
    ['ML-DSA-65 verify, same key', () => impl.mlDsa65.verify(signer.publicKey, MESSAGE, signature, CONTEXT)],
    [`ML-DSA-65 verify, ${manyKeys.length} keys in turn`, () => {
      const { publicKey, signature } = manyKeys[next++ % manyKeys.length]
      return impl.mlDsa65.verify(publicKey, MESSAGE, signature, CONTEXT)
    }],
    ['ML-KEM-768 keygen', () => impl.mlKem768.createDecapsulator(kemSeed)],
    ['ML-KEM-768 encapsulate', () => impl.mlKem768.encapsulate(decapsulator.publicKey)],
    ['ML-KEM-768 decapsulate', () => decapsulator.decapsulate(cipherText)],
    ['key record decode + validate, fresh record', () => {
      const i = nextRecord++ % records.length
      return validator.validateForRoutingKey(routingKeys[i], records[i].bytes)
    }]
  ]
}

export async function runCryptoBench (opts: { quick: boolean }): Promise<CryptoBenchRow[]> {
  const options = opts.quick ? QUICK : FULL
  const impls = hasNativePqCrypto() ? [nativeCrypto, nobleCrypto] : [nobleCrypto]
  const manyKeys = signedByManyKeys()
  const records = await makeRecords(RECORD_PEERS)
  const rows = new Map<string, CryptoBenchRow>()
  const progress = progressBar('crypto', impls.length * 8)
  for (const impl of impls) {
    for (const [operation, fn] of operations(impl, manyKeys, records)) {
      const row = rows.get(operation) ?? { operation, results: {} }
      row.results[impl.name] = await benchOp(`${impl.name} ${operation}`, fn, options)
      rows.set(operation, row)
      progress.increment()
    }
  }
  progress.stop()
  return [...rows.values()]
}

export function toTableRows (rows: CryptoBenchRow[]): TableRow[] {
  return rows.map(({ operation, results: { native, noble } }) => ({
    operation,
    'native ops/s': native === undefined ? '-' : fmt.int(native.opsPerSecond),
    'native p50 µs': native === undefined ? '-' : fmt.dec(native.medianUs),
    'native p95 µs': native === undefined ? '-' : fmt.dec(native.p95Us),
    'noble ops/s': noble === undefined ? '-' : fmt.int(noble.opsPerSecond),
    'noble p50 µs': noble === undefined ? '-' : fmt.dec(noble.medianUs),
    'noble p95 µs': noble === undefined ? '-' : fmt.dec(noble.p95Us),
    'native / noble': native === undefined || noble === undefined ? '-' : `${fmt.dec(native.opsPerSecond / noble.opsPerSecond)}x`
  }))
}

export async function runCryptoReport (opts: { quick: boolean }): Promise<BenchReport> {
  const rows = await runCryptoBench(opts)
  const report: BenchReport = {
    name: 'crypto',
    title: 'Crypto: native node:crypto beside noble',
    command: benchCommand('crypto', opts.quick),
    quick: opts.quick,
    environment: benchEnvironment(),
    tables: [{
      title: 'ML-DSA-65 / ML-KEM-768, native (node:crypto, OpenSSL) beside noble (@noble/post-quantum); ops/s is the median of batches',
      rows: toTableRows(rows),
      notes: [
        'Native ML-DSA-65 verify is the limit the record and network benches are measured against.',
        `"key record decode + validate" is a fresh ~6.5 KB record of one of ${RECORD_PEERS} peers in turn: decode, canonical check, times, Ed25519 verify (node:crypto in both columns) and ML-DSA-65 verify (the column's implementation).`
      ]
    }],
    goals: [],
    data: { options: opts.quick ? QUICK : FULL, rows }
  }
  const svg = barChartSvg({
    title: 'ML-DSA-65 / ML-KEM-768: µs per operation (p50)',
    unit: 'µs per op (median), lower is better',
    groups: rows.map(({ operation, results }) => ({
      label: operation.replace('ML-DSA-65 ', 'DSA ').replace('ML-KEM-768 ', 'KEM ').replace('key record decode + validate, fresh record', 'record validate').replace(/, \d+ keys in turn/, ', many keys'),
      bars: (['native', 'noble'] as const).filter(name => results[name] !== undefined).map(name => ({
        series: name, value: results[name]!.medianUs, label: `${fmt.dec(results[name]!.medianUs)} µs`
      }))
    }))
  })
  await publishReport(report, svg)
  return report
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCryptoReport({ quick: process.argv.includes('--quick') })
}
