/**
 * ML-DSA-65 and ML-KEM-768, native (node:crypto) beside noble.
 * Run: `npx node dist/bench/crypto.js [--quick]`.
 */
import { pathToFileURL } from 'node:url'
import { hasNativePqCrypto, ML_DSA_65, ML_KEM_768, nativeCrypto, nobleCrypto, selectPqCrypto, type PqCrypto, type PqCryptoName } from '../src/crypto/index.js'
import { VERIFY_KEY_CACHE_SIZE } from '../src/crypto/native.js'
import { benchOp, type BenchOptions, type BenchResult } from './lib/measure.js'
import { benchEnvironment, printTable, writeJson, type TableRow } from './lib/report.js'

export interface CryptoBenchRow {
  operation: string
  results: Partial<Record<PqCryptoName, BenchResult>>
}

const QUICK: BenchOptions = { batches: 5, batchMs: 100, warmupMs: 50 }
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

/** Each operation with its inputs made up front; add a row by adding an entry. */
function operations (impl: PqCrypto, manyKeys: SignedMessage[]): Array<[string, () => unknown]> {
  const dsaSeed = new Uint8Array(ML_DSA_65.seed).fill(1)
  const kemSeed = new Uint8Array(ML_KEM_768.seed).fill(2)
  const signer = impl.mlDsa65.createSigner(dsaSeed)
  const signature = signer.sign(MESSAGE, CONTEXT)
  const decapsulator = impl.mlKem768.createDecapsulator(kemSeed)
  const { cipherText } = impl.mlKem768.encapsulate(decapsulator.publicKey)
  let next = 0

  return [
    ['ML-DSA-65 keygen', () => impl.mlDsa65.createSigner(dsaSeed)],
    ['ML-DSA-65 sign (1 KiB)', () => signer.sign(MESSAGE, CONTEXT)],
    ['ML-DSA-65 verify, same key', () => impl.mlDsa65.verify(signer.publicKey, MESSAGE, signature, CONTEXT)],
    [`ML-DSA-65 verify, ${manyKeys.length} keys in turn`, () => {
      const { publicKey, signature } = manyKeys[next++ % manyKeys.length]!
      return impl.mlDsa65.verify(publicKey, MESSAGE, signature, CONTEXT)
    }],
    ['ML-KEM-768 keygen', () => impl.mlKem768.createDecapsulator(kemSeed)],
    ['ML-KEM-768 encapsulate', () => impl.mlKem768.encapsulate(decapsulator.publicKey)],
    ['ML-KEM-768 decapsulate', () => decapsulator.decapsulate(cipherText)]
  ]
}

export async function runCryptoBench (opts: { quick: boolean }): Promise<CryptoBenchRow[]> {
  const options = opts.quick ? QUICK : FULL
  const impls = hasNativePqCrypto() ? [nativeCrypto, nobleCrypto] : [nobleCrypto]
  const manyKeys = signedByManyKeys()
  const rows = new Map<string, CryptoBenchRow>()
  for (const impl of impls) {
    for (const [operation, fn] of operations(impl, manyKeys)) {
      const row = rows.get(operation) ?? { operation, results: {} }
      row.results[impl.name] = await benchOp(`${impl.name} ${operation}`, fn, options)
      rows.set(operation, row)
    }
  }
  return [...rows.values()]
}

export function toTableRows (rows: CryptoBenchRow[]): TableRow[] {
  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
  return rows.map(({ operation, results: { native, noble } }) => ({
    operation,
    'native ops/s': native === undefined ? '-' : integer.format(native.opsPerSecond),
    'native p95 µs': native === undefined ? '-' : decimal.format(native.p95Us),
    'noble ops/s': noble === undefined ? '-' : integer.format(noble.opsPerSecond),
    'noble p95 µs': noble === undefined ? '-' : decimal.format(noble.p95Us),
    'native / noble': native === undefined || noble === undefined ? '-' : `${decimal.format(native.opsPerSecond / noble.opsPerSecond)}x`
  }))
}

async function main (): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rows = await runCryptoBench({ quick })
  printTable(toTableRows(rows))
  const path = await writeJson('crypto', { environment: benchEnvironment(), quick, options: quick ? QUICK : FULL, rows })
  console.log(`\nwrote ${path}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
