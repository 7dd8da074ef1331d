import { lazyLru } from '../util/lru.js'
import { EnvelopeError, KeydirError } from '../errors.js'
import { marshalContent, marshalEnvelope, unmarshalContent, unmarshalEnvelope } from './codec.js'
import { MAX_RECHECKED_SENDERS, MAX_SEALED_DATA, RECHECK_SENDER_MS } from './constants.js'
import { EnvelopeHpke } from './hpke.js'
import { kemSeedFor, type EnvelopeKemKeys } from './kem-keys.js'
import { ENVELOPE_SIGNATURE_CONTEXT, envelopeInfo, envelopeSignedBytes } from './signed-bytes.js'
import type { EnvelopeHeader } from './codec.js'
import type { MlDsaSigner, PqCrypto } from '../crypto/index.js'
import type { KeydirMetrics } from '../metrics/index.js'
import type { KeyRecord } from '../record/index.js'
import type { ResolveOptions } from '../resolver/index.js'
import { selfRevoked, type SignatureCheck } from '../signature/index.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'

/** What `open` returns: who sealed it (checked against the directory) and the message. */
export interface OpenedEnvelope {
  from: PeerId
  data: Uint8Array
}

export interface EnvelopesInit {
  crypto: PqCrypto
  peerId: PeerId
  /** This node's current record and the signer of its key (they change together with a rotation). */
  self: () => { record: KeyRecord, mlDsaSigner: MlDsaSigner }
  /** This node's KEM seeds: the current one, and those retired by rotations (docs/envelope.md, "Grace"). */
  kemKeys: () => EnvelopeKemKeys
  /** How long a retired KEM key still opens envelopes. */
  graceMs: number
  /** A peer's current record, through the directory's trust rules. */
  resolve: (peerId: PeerId | string, options: AbortOptions) => Promise<{ record: KeyRecord }>
  /** Which key of the peer's chain made a signature (MessageSignatures.check). */
  checkSignature: (peerId: PeerId, message: Uint8Array, signature: Uint8Array, context: Uint8Array, options: ResolveOptions) => Promise<SignatureCheck & { currentSeq: number }>
  /** This node revoked its identity: it seals nothing. */
  isRevoked?: () => boolean
  metrics: KeydirMetrics
  now?: () => number
}

/**
 * Sealed envelopes (docs/envelope.md): HPKE with X-Wing to the recipient's
 * record, the message signed inside by the sender's ML-DSA-65 key. `seal`
 * resolves the recipient through the directory; `open` checks the sender's
 * signature against the key the directory holds for it.
 */
export class Envelopes {
  private readonly init: EnvelopesInit
  private readonly now: () => number
  private readonly hpke: EnvelopeHpke
  /** When each sender was last looked up again for an envelope signed by a key this node did not hold. */
  private readonly rechecked = lazyLru<string, number>(MAX_RECHECKED_SENDERS)

  constructor (init: EnvelopesInit) {
    this.init = init
    this.hpke = new EnvelopeHpke(init.crypto)
    this.now = init.now ?? Date.now
  }

  async seal (peerId: PeerId | string, data: Uint8Array, options: AbortOptions = {}): Promise<Uint8Array> {
    return this.counted('seal', async () => {
      if (!(data instanceof Uint8Array)) throw new KeydirError('ERR_INVALID_ARGUMENT', 'data must be a Uint8Array')
      if (this.init.isRevoked?.() === true) throw selfRevoked()
      if (data.length > MAX_SEALED_DATA) {
        throw new EnvelopeError('ERR_ENVELOPE_TOO_LARGE', `the message is ${data.length} bytes, an envelope holds at most ${MAX_SEALED_DATA}: split it, or open a secure session (dialSecure) for a stream`)
      }
      const { record } = await this.init.resolve(peerId, options)
      if (record.x25519PublicKey === undefined) {
        throw new EnvelopeError('ERR_ENVELOPE_NO_HYBRID_KEY', `${record.peerId.toString()}'s record (seq ${record.seq}) is version 1, with no X25519 key: it runs an older keydir and cannot open envelopes until it upgrades`)
      }
      const header: EnvelopeHeader = { sender: this.init.peerId, recipient: record.peerId, recipientSeq: record.seq }
      const recipientKey = new Uint8Array(record.mlKemPublicKey.length + record.x25519PublicKey.length)
      recipientKey.set(record.mlKemPublicKey)
      recipientKey.set(record.x25519PublicKey, record.mlKemPublicKey.length)
      const sender = await this.hpke.sender(recipientKey, envelopeInfo(header))
      const self = this.init.self()
      const signature = await self.mlDsaSigner.signAsync(envelopeSignedBytes(header, sender.enc, self.record.seq, data), ENVELOPE_SIGNATURE_CONTEXT)
      const ciphertext = await sender.seal(marshalContent({ senderSeq: self.record.seq, signature, data }))
      return marshalEnvelope({ ...header, enc: sender.enc, ciphertext })
    })
  }

  /**
   * Open an envelope sealed to this node. In order: structure, recipient
   * (ERR_ENVELOPE_NOT_FOR_US), the KEM key of the seq it names
   * (ERR_ENVELOPE_KEY_RETIRED), decryption (ERR_ENVELOPE_DECRYPT), the
   * sender through the directory (its own errors: ERR_REVOKED, ERR_NOT_FOUND,
   * ...), then the signature: by the sender's current key, else
   * ERR_ENVELOPE_STALE_SENDER_KEY (an earlier key of its chain) or
   * ERR_ENVELOPE_BAD_SIGNATURE.
   */
  async open (envelope: Uint8Array, options: AbortOptions = {}): Promise<OpenedEnvelope> {
    return this.counted('open', async () => {
      if (!(envelope instanceof Uint8Array)) throw new KeydirError('ERR_INVALID_ARGUMENT', 'envelope must be a Uint8Array')
      const decoded = unmarshalEnvelope(envelope)
      if (!decoded.recipient.equals(this.init.peerId)) {
        throw new EnvelopeError('ERR_ENVELOPE_NOT_FOR_US', `the envelope is sealed to ${decoded.recipient.toString()}, not to this node (${this.init.peerId.toString()})`)
      }
      const kemKeys = this.init.kemKeys()
      this.hpke.retainOnly([...(kemKeys.current === undefined ? [] : [kemKeys.current.kemSeed]), ...kemKeys.retired.map(key => key.kemSeed).filter(seed => seed.length > 0)])
      const kemSeed = kemSeedFor(decoded.recipientSeq, kemKeys, this.init.self().record.seq, this.now(), this.init.graceMs)
      const plaintext = await this.hpke.open(kemSeed, decoded.enc, envelopeInfo(decoded), decoded.ciphertext)
      const content = unmarshalContent(plaintext)
      const signed = envelopeSignedBytes(decoded, decoded.enc, content.senderSeq, content.data)
      let check = await this.init.checkSignature(decoded.sender, signed, content.signature, ENVELOPE_SIGNATURE_CONTEXT, options)
      // Sealed with a record newer than the one this node holds: ask the network before calling the key stale.
      // Anyone can seal naming any sender and seq, so at most once per sender per RECHECK_SENDER_MS.
      if (!check.current && content.senderSeq > check.currentSeq) {
        if (!this.mayRecheck(decoded.sender)) {
          // Not "forged": the sender may have rotated, and someone may have used up its re-check with forgeries.
          throw new EnvelopeError('ERR_ENVELOPE_SENDER_UNCONFIRMED', `the envelope names ${decoded.sender.toString()}'s record seq ${content.senderSeq}, newer than the seq ${check.currentSeq} this node holds, and the sender was looked up less than ${RECHECK_SENDER_MS / 1000} s ago: try again later, or resolve the sender with refresh first`)
        }
        check = await this.init.checkSignature(decoded.sender, signed, content.signature, ENVELOPE_SIGNATURE_CONTEXT, { ...options, refresh: true })
      }
      if (!check.valid) {
        throw new EnvelopeError('ERR_ENVELOPE_BAD_SIGNATURE', `the envelope's signature is not by any key the directory holds for its sender ${decoded.sender.toString()}: it was forged or altered`)
      }
      if (!check.current) {
        throw new EnvelopeError('ERR_ENVELOPE_STALE_SENDER_KEY', `the envelope is signed by a key ${decoded.sender.toString()} has rotated away from (its record seq ${check.seq}): it was sealed before the rotation, or with a stolen old key`)
      }
      return { from: decoded.sender, data: content.data }
    })
  }

  /** Whether `sender` may be looked up again now (and, if so, notes that it was). */
  private mayRecheck (sender: PeerId): boolean {
    const id = sender.toString()
    const last = this.rechecked.get(id)
    if (last !== undefined && this.now() - last < RECHECK_SENDER_MS) return false
    this.rechecked.set(id, this.now())
    return true
  }

  private async counted <T> (op: 'seal' | 'open', run: () => Promise<T>): Promise<T> {
    try {
      const result = await run()
      this.init.metrics.envelopes.inc({ op, result: 'ok' })
      return result
    } catch (err) {
      this.init.metrics.envelopes.inc({ op, result: err instanceof KeydirError ? err.code : 'ERR_UNEXPECTED' })
      throw err
    }
  }
}
