/**
 * Deterministic ML-DSA-65 for the vector generators, so that `npm run
 * vectors` on a clean tree writes the same bytes every time (test/vectors/
 * reproducible.test.ts fails otherwise): FIPS 204's deterministic variant,
 * as session-transcript.ts's deterministicSigner. keydir nodes sign hedged;
 * a verifier cannot tell the two apart.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { deterministicSigner } from './session-transcript.js'
import type { PqCrypto } from '../../src/crypto/index.js'

/** `crypto` with its ML-DSA-65 signers made deterministic; verification and ML-KEM are unchanged. */
export function deterministicCrypto (crypto: PqCrypto): PqCrypto {
  return { ...crypto, mlDsa65: { ...crypto.mlDsa65, createSigner: deterministicSigner } }
}

/**
 * The records key-record.json holds, by vector name. Those were signed
 * hedged, once; the other files quote them (the golden plain record), so
 * they are read back rather than signed again.
 */
export async function committedGoldenRecords (): Promise<Map<string, Uint8Array>> {
  const file = fileURLToPath(new URL('../../../test/vectors/key-record.json', import.meta.url))
  const kept = new Map<string, Uint8Array>()
  let old: any
  try {
    old = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    return kept // no file yet: every record is made afresh
  }
  for (const vector of [...old.valid ?? [], ...old.invalid ?? [], ...old.history ?? [], ...old.version2?.valid ?? [], ...old.version2?.invalid ?? []]) {
    if (typeof vector.recordHex === 'string') kept.set(vector.name, Uint8Array.from(Buffer.from(vector.recordHex, 'hex')))
  }
  return kept
}
