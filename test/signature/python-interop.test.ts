import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { MESSAGE_SIGNATURE_CONTEXT } from '../../src/signature/index.js'

/**
 * docs/signatures.md says any ML-DSA-65 implementation with contexts checks
 * what `node.sign` makes, and shows Python's `cryptography` doing it: this
 * runs that snippet against a signature made the way `sign` makes it.
 * Skipped where python3 has no `cryptography` with ML-DSA.
 */
const VERIFY = `
import sys
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PublicKey
key, data, signature, context = (bytes.fromhex(a) for a in sys.stdin.read().split())
try:
    MLDSA65PublicKey.from_public_bytes(key).verify(signature, data, context)
    print("valid")
except Exception:
    print("invalid")
`

const hasPythonMlDsa = spawnSync('python3', ['-c', 'from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PublicKey'], { stdio: 'ignore' }).status === 0

describe('signatures checked by another implementation', { skip: hasPythonMlDsa ? false : 'python3 with cryptography\'s ML-DSA is not installed' }, () => {
  it('Python\'s cryptography verifies a keydir message signature with the documented context, and refuses another context', () => {
    const signer = selectPqCrypto().mlDsa65.createSigner(new Uint8Array(randomBytes(32)))
    const data = new Uint8Array(randomBytes(100))
    const context = new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)
    const signature = signer.sign(data, context)
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
    const run = (ctx: Uint8Array): string => execFileSync('python3', ['-c', VERIFY], { input: [signer.publicKey, data, signature, ctx].map(hex).join(' ') }).toString().trim()
    assert.equal(run(context), 'valid')
    assert.equal(run(new TextEncoder().encode('keydir/signed-message/v2')), 'invalid')
  })
})
