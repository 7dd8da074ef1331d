import { createPrivateKey, type KeyObject } from 'node:crypto'

/**
 * node:crypto takes and gives ML-DSA / ML-KEM private keys as raw seeds
 * only; 'raw-private' is refused for both. PKCS#8 DER does carry the
 * expanded FIPS 203 / 204 key (the IETF LAMPS `expandedKey` form), so the
 * tests go through it to check node against the vectors' `sk` and `dk`.
 */
type PqKeyType = 'ml-dsa-65' | 'ml-kem-768'

const ALGORITHM_OID: Record<PqKeyType, string> = {
  'ml-dsa-65': '0609608648016503040312', // 2.16.840.1.101.3.4.3.18
  'ml-kem-768': '0609608648016503040402' // 2.16.840.1.101.3.4.4.2
}

/** A node private key from an expanded secret key (ML-DSA sk, ML-KEM dk). */
export function importExpandedKey (type: PqKeyType, expanded: Uint8Array): KeyObject {
  const algorithm = der(0x30, Buffer.from(ALGORITHM_OID[type], 'hex'))
  const privateKey = der(0x04, der(0x04, expanded)) // the `expandedKey` choice
  const pkcs8 = der(0x30, Buffer.concat([Buffer.from('020100', 'hex'), algorithm, privateKey]))
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
}

/**
 * The expanded secret key node derives from a seed. Node exports PKCS#8 in
 * the `both` form, SEQUENCE { seed, expandedKey }, so the expanded key is the
 * final OCTET STRING.
 */
export function exportExpandedKey (type: PqKeyType, seed: Uint8Array, expandedLength: number): Uint8Array {
  const key = createPrivateKey({ key: Buffer.from(seed), format: 'raw-seed', asymmetricKeyType: type })
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' })
  const header = pkcs8.subarray(pkcs8.length - expandedLength - 4, pkcs8.length - expandedLength)
  if (!header.equals(Buffer.from([0x04, 0x82, expandedLength >> 8, expandedLength & 0xff]))) {
    throw new Error(`unexpected PKCS#8 layout for ${type}`)
  }
  return new Uint8Array(pkcs8.subarray(pkcs8.length - expandedLength))
}

/** One DER TLV; lengths up to 65535, which covers these keys. */
function der (tag: number, content: Uint8Array): Buffer {
  const length = content.length
  const lengthBytes = length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff]
  return Buffer.concat([Buffer.from([tag, ...lengthBytes]), content])
}
