import { readFileSync } from 'node:fs'

// Tests run from dist/test/crypto/; the fixtures stay in the source tree.
const FIXTURES = new URL('../../../test/fixtures/nist/', import.meta.url)

/** Field meanings: test/fixtures/nist/README.md. All values are lower-case hex. */
export interface MlDsaKeyGenCase { tcId: number, seed: string, pk: string, sk: string }
export interface MlDsaSigVerCase { tcId: number, pk: string, message: string, context: string, signature: string, testPassed: boolean }
export interface MlKemKeyGenCase { tcId: number, d: string, z: string, ek: string, dk: string }
export interface MlKemEncapsulationCase { tcId: number, ek: string, m: string, c: string, k: string, dk: string }
export interface MlKemDecapsulationCase { tcId: number, dk: string, c: string, k: string, reason: string }

function load<T> (file: string): T {
  return JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as T
}

export const mlDsaKeyGen = load<{ cases: MlDsaKeyGenCase[] }>('mldsa65-keygen.json').cases
export const mlDsaSigVer = load<{ cases: MlDsaSigVerCase[] }>('mldsa65-sigver.json').cases
export const mlKemKeyGen = load<{ cases: MlKemKeyGenCase[] }>('mlkem768-keygen.json').cases
const encapDecap = load<{ encapsulation: MlKemEncapsulationCase[], decapsulation: MlKemDecapsulationCase[] }>('mlkem768-encapdecap.json')
export const mlKemEncapsulation = encapDecap.encapsulation
export const mlKemDecapsulation = encapDecap.decapsulation
