import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { SessionError } from '../errors.js'
import { AEAD_TAG_BYTES, HASH_BYTES, MAX_NONCE } from './constants.js'

/**
 * The Noise framework's CipherState and SymmetricState (Noise revision 34,
 * sections 5.1 and 5.2) for ChaChaPoly and SHA-256, on node:crypto. No
 * package offers them apart from a whole handshake; these are the few
 * functions the NNhfs handshake needs, named as the spec names them.
 */

const EMPTY = new Uint8Array(0)

/** Noise's HKDF with two outputs: HMAC-SHA256 keyed by the chaining key, as section 4.3 writes it. */
export function hkdf2 (chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  // Keys as KeyObjects: createHmac checks a raw key's type on every call, which costs more than the HMAC.
  const tempKey = createSecretKey(createHmac('sha256', createSecretKey(chainingKey)).update(ikm).digest())
  const out1 = createHmac('sha256', tempKey).update(Uint8Array.of(1)).digest()
  const out2 = createHmac('sha256', tempKey).update(out1).update(Uint8Array.of(2)).digest()
  return [new Uint8Array(out1), new Uint8Array(out2)]
}

/** ChaChaPoly's 96-bit nonce: 32 zero bits, then the counter little-endian (section 12.3). */
function chachaNonce (n: number): Uint8Array {
  const nonce = new Uint8Array(12)
  new DataView(nonce.buffer).setBigUint64(4, BigInt(n), true)
  return nonce
}

export function aeadEncrypt (key: Uint8Array | KeyObject, n: number, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const [body, tag] = aeadEncryptParts(key, n, ad, plaintext)
  const out = new Uint8Array(body.byteLength + AEAD_TAG_BYTES)
  out.set(body, 0)
  out.set(tag, body.byteLength)
  return out
}

/** aeadEncrypt's ciphertext and tag apart, for a writer that sends them one after the other without a copy. */
export function aeadEncryptParts (key: Uint8Array | KeyObject, n: number, ad: Uint8Array, plaintext: Uint8Array): [Uint8Array, Uint8Array] {
  const cipher = createCipheriv('chacha20-poly1305', key, chachaNonce(n), { authTagLength: AEAD_TAG_BYTES })
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
  const body = cipher.update(plaintext)
  cipher.final()
  return [body, cipher.getAuthTag()]
}

/** Throws SessionError ERR_SESSION_DECRYPT when the tag does not verify. */
export function aeadDecrypt (key: Uint8Array | KeyObject, n: number, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.byteLength < AEAD_TAG_BYTES) throw new SessionError('ERR_SESSION_DECRYPT', 'a ciphertext is shorter than its tag')
  const split = ciphertext.byteLength - AEAD_TAG_BYTES
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, chachaNonce(n), { authTagLength: AEAD_TAG_BYTES })
    decipher.setAAD(ad, { plaintextLength: split })
    decipher.setAuthTag(ciphertext.subarray(split))
    const body = decipher.update(ciphertext.subarray(0, split))
    decipher.final()
    return new Uint8Array(body)
  } catch (err) {
    throw new SessionError('ERR_SESSION_DECRYPT', 'a message failed authentication: it was altered, or the two sides do not share a key', { cause: err })
  }
}

/**
 * A key and a counter. Nonces count up from 0 and are never reused; the
 * session stops at MAX_NONCE (ERR_SESSION_NONCE_EXHAUSTED) rather than
 * rekeying. A failed decryption does not advance the counter, and the
 * caller ends the session on it anyway.
 */
export class CipherState {
  private k: Uint8Array | undefined
  /** `k` as a KeyObject, made once: node:crypto checks a raw key's type on every cipher it makes. */
  private kObject: KeyObject | undefined
  private n = 0

  constructor (key?: Uint8Array) {
    this.k = key
  }

  private get keyObject (): KeyObject {
    this.kObject ??= createSecretKey(this.k!)
    return this.kObject
  }

  hasKey (): boolean {
    return this.k !== undefined
  }

  /** The next nonce this state uses (for tests and vectors). */
  get nonce (): number {
    return this.n
  }

  encryptWithAd (ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.k === undefined) return plaintext
    this.checkNonce()
    const out = aeadEncrypt(this.keyObject, this.n, ad, plaintext)
    this.n++
    return out
  }

  /** encryptWithAd with a key, its ciphertext and tag apart (a transport frame's writer sends them in turn). */
  encryptPartsWithAd (ad: Uint8Array, plaintext: Uint8Array): [Uint8Array, Uint8Array] {
    if (this.k === undefined) throw new SessionError('ERR_SESSION_STATE', 'no transport key yet')
    this.checkNonce()
    const out = aeadEncryptParts(this.keyObject, this.n, ad, plaintext)
    this.n++
    return out
  }

  decryptWithAd (ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.k === undefined) return ciphertext
    this.checkNonce()
    const out = aeadDecrypt(this.keyObject, this.n, ad, ciphertext)
    this.n++
    return out
  }

  private checkNonce (): void {
    if (this.n >= MAX_NONCE) throw new SessionError('ERR_SESSION_NONCE_EXHAUSTED', `this session sent or received ${MAX_NONCE} messages under one key: open a new session`)
  }
}

/** ck, h and the handshake's CipherState (section 5.2). */
export class SymmetricState {
  private ck: Uint8Array
  private h: Uint8Array
  private cipher = new CipherState()

  constructor (protocolName: string) {
    const name = new TextEncoder().encode(protocolName)
    if (name.byteLength <= HASH_BYTES) {
      this.h = new Uint8Array(HASH_BYTES)
      this.h.set(name)
    } else {
      this.h = sha256(name)
    }
    this.ck = this.h
  }

  /** The handshake hash (GetHandshakeHash): what the identity signatures cover. */
  get handshakeHash (): Uint8Array {
    return this.h
  }

  /** For tests and vectors: the chaining key. */
  get chainingKey (): Uint8Array {
    return this.ck
  }

  mixKey (ikm: Uint8Array): void {
    const [ck, k] = hkdf2(this.ck, ikm)
    this.ck = ck
    this.cipher = new CipherState(k)
  }

  mixHash (data: Uint8Array): void {
    this.h = sha256(this.h, data)
  }

  encryptAndHash (plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext)
    this.mixHash(ciphertext)
    return ciphertext
  }

  decryptAndHash (ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext)
    this.mixHash(ciphertext)
    return plaintext
  }

  /** The two transport CipherStates: initiator to responder first. */
  split (): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.ck, EMPTY)
    return [new CipherState(k1), new CipherState(k2)]
  }
}

export function sha256 (...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}
