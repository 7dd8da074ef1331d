import { KeydirError } from '../errors.js'
import { MESSAGE_SIGNATURE_CONTEXT } from './constants.js'
import { signerKeysOf } from './signer-keys.js'
import type { RetiredSigningKeys } from './key-log.js'
import type { SignerKey } from './signer-keys.js'
import type { MlDsaSigner, PqCrypto } from '../crypto/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { Pin } from '../registry/index.js'
import type { ResolveOptions } from '../resolver/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** What `verify` says of a signature (docs/signatures.md). */
export interface SignatureCheck {
  /** By the peer's current ML-DSA-65 key or an earlier key of its rotation chain. */
  valid: boolean
  /** By the current key. */
  current: boolean
  /** The seq of the record that carried the signing key; when not valid, the current record's. */
  seq: number
}

export interface MessageSignaturesInit {
  crypto: PqCrypto
  /** This node's current ML-DSA-65 signer (it changes with a rotation). */
  signer: () => MlDsaSigner
  /** A peer's current record, through the directory's trust rules (throws for a revoked or unknown peer). */
  resolve: (peerId: PeerId | string, options: ResolveOptions) => Promise<{ record: KeyRecord }>
  retiredKeys: RetiredSigningKeys
  getPin: (peerId: PeerId) => Promise<Pin | undefined>
  /** This node revoked its identity: it signs nothing. */
  isRevoked?: () => boolean
  metrics: KeydirMetrics
}

const CONTEXT = new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)

/**
 * Detached signatures: this node signs with its ML-DSA-65 key; a peer's
 * signature is checked against the keys the directory holds for it.
 */
export class MessageSignatures {
  private readonly init: MessageSignaturesInit

  constructor (init: MessageSignaturesInit) {
    this.init = init
  }

  /** Refused (ERR_REVOKED) once this node revoked its identity: its keys vouch for nothing. */
  async sign (data: Uint8Array): Promise<Uint8Array> {
    return this.counted('sign', async () => {
      checkBytes('data', data)
      if (this.init.isRevoked?.() === true) throw selfRevoked()
      return this.init.signer().signAsync(data, CONTEXT)
    }, () => 'ok')
  }

  async verify (peerId: PeerId | string, data: Uint8Array, signature: Uint8Array, options: AbortOptions = {}): Promise<SignatureCheck> {
    return this.counted('verify', async () => {
      checkBytes('data', data)
      checkBytes('signature', signature)
      const { valid, current, seq } = await this.check(peerId, data, signature, CONTEXT, options)
      return { valid, current, seq }
    }, ({ valid, current }) => valid ? (current ? 'current' : 'earlier_key') : 'invalid')
  }

  /** Runs `op`, counting its result in keydir_signatures_total: `result(value)`, or the error's code. */
  private async counted <T> (op: 'sign' | 'verify', run: () => Promise<T>, result: (value: T) => string): Promise<T> {
    try {
      const value = await run()
      this.init.metrics.signatures.inc({ op, result: result(value) })
      return value
    } catch (err) {
      this.init.metrics.signatures.inc({ op, result: err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED' })
      throw err
    }
  }

  /**
   * Which key of the peer's chain made `signature` over `message` with
   * `context`: resolved through the directory, the current key first.
   * For sealed envelopes too.
   */
  async check (peerId: PeerId | string, message: Uint8Array, signature: Uint8Array, context: Uint8Array, options: ResolveOptions): Promise<SignatureCheck & { currentSeq: number }> {
    const { record } = await this.init.resolve(peerId, options)
    // The current key first, alone: the pin and the chain are read only for a signature it did not make.
    if (await this.init.crypto.mlDsa65.verifyAsync(record.mlDsaPublicKey, message, signature, context)) {
      return { valid: true, current: true, seq: record.seq, currentSeq: record.seq }
    }
    // The pin before the retired keys: getPin waits for a rotation's write to land, and the key it retired is noted then.
    const pin = await this.init.getPin(record.peerId)
    const earlier = (await signerKeysOf(this.init.crypto, record, this.init.retiredKeys.of(record.peerId), pin)).slice(1)
    const signer = await this.firstSigner(earlier, message, signature, context)
    if (signer === undefined) return { valid: false, current: false, seq: record.seq, currentSeq: record.seq }
    return { valid: true, current: false, seq: signer.seq, currentSeq: record.seq }
  }

  private async firstSigner (keys: SignerKey[], message: Uint8Array, signature: Uint8Array, context: Uint8Array): Promise<SignerKey | undefined> {
    for (const key of keys) {
      if (await this.init.crypto.mlDsa65.verifyAsync(key.mlDsaPublicKey, message, signature, context)) return key
    }
    return undefined
  }
}

/** This node revoked its identity: its keys vouch for nothing, so it signs and seals nothing. */
export function selfRevoked (): KeydirError {
  return new KeydirError('ERR_REVOKED', 'this node\'s identity is revoked: it signs and seals nothing; create a new identity (keydir init --force) for a new PeerId')
}

function checkBytes (what: string, value: unknown): void {
  if (!(value instanceof Uint8Array)) throw new KeydirError('ERR_INVALID_ARGUMENT', `${what} must be a Uint8Array`)
}
