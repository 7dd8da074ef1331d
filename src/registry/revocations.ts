import { RevocationError } from '../errors.js'
import { checkRevocationAgainstPin, compareRevocations, RevocationValidator, unmarshalRevocation } from '../record/index.js'
import { REVOCATIONS } from './constants.js'
import { CORRUPT } from './database.js'
import { tryParsePeer } from './peer-key.js'
import type { RegistryState } from './state.js'
import type { KeyChange, Pin } from './types.js'
import type { PeerId } from '@libp2p/interface'
import type { KnownPeerKeys, RevocationCertificate } from '../record/index.js'

/**
 * Revoked peers. A revocation certificate beats every record of its peer,
 * whatever the seq, and is kept for good: the peer's record goes when it
 * comes (its pin stays, so a later record is refused by the revocation and
 * a rollback still by the pin), and no record of the peer is admitted after
 * it (ERR_REVOKED). Kept in memory too: revocations enter only for peers
 * this node holds, looked up or was handed by its operator, so they are few.
 */
export class Revocations {
  private readonly revoked = new Map<string, RevocationCertificate>()

  /**
   * Checks what was stored, without the issue-time check: it passed when it
   * came, and a clock stepped back must not drop a revocation (fail open).
   */
  private readonly storedValidator: RevocationValidator

  constructor (
    private readonly state: RegistryState,
    private readonly validator: RevocationValidator,
    private readonly onKeyChange: (change: KeyChange) => void
  ) {
    this.storedValidator = new RevocationValidator({ crypto: state.crypto, maxClockSkewMs: Number.MAX_SAFE_INTEGER })
  }

  /** Read (and validate again) the stored certificates; a bad one is reported and skipped. */
  async load (): Promise<void> {
    this.revoked.clear()
    for (const [key, bytes] of await this.state.store.readRevocations()) {
      const peer = tryParsePeer(key, err => { this.state.store.report(`${REVOCATIONS}/${key}`, err) })
      if (peer === undefined) continue
      try {
        this.revoked.set(key, this.storedValidator.validate(peer.peerId, bytes))
      } catch (err) {
        this.state.store.report(`${REVOCATIONS}/${key}`, err as Error)
      }
    }
  }

  get (peerId: PeerId | string): RevocationCertificate | undefined {
    return this.revoked.get(peerId.toString())
  }

  /** Whether this node would take `certificate` (already validated): for a pinned peer, only one linked to the pin. */
  applies (certificate: RevocationCertificate): boolean {
    const pin = this.state.store.readPin(certificate.peerId.toString())
    if (pin === undefined) return true
    if (pin === CORRUPT) return false
    try {
      checkRevocationAgainstPin(this.state.crypto, certificate, this.knownKeys(pin, certificate))
      return true
    } catch {
      return false
    }
  }

  list (): RevocationCertificate[] {
    return [...this.revoked.values()]
  }

  /**
   * Keep a revocation (bytes are validated, for `peerId` when given; a
   * certificate object is taken as validated). For a peer this node pinned,
   * the certificate's ML-DSA-65 key must link to the pin
   * (checkRevocationAgainstPin: ERR_REVOCATION_KEY_UNKNOWN otherwise), so
   * the Ed25519 key alone cannot revoke a peer anyone pinned. 'unchanged'
   * when a certificate as good or better is already held. With
   * `unsolicited` (it came unasked: a push), a peer this node holds only as
   * learned unasked is refused (ERR_REVOCATION_UNSOLICITED).
   */
  async store (input: RevocationCertificate | Uint8Array, options: { unsolicited?: boolean } = {}): Promise<'stored' | 'unchanged'> {
    const certificate = input instanceof Uint8Array
      ? this.validator.validate(unmarshalRevocation(input).peerId, input)
      : input
    const { key } = this.state.openPeer(certificate.peerId)
    return this.state.locks.run(key, async () => {
      // Kept for good, so never for a peer learned unasked: PeerIds are free, and each would stay forever.
      if (options.unsolicited === true && this.state.hot.summary(key)?.unsolicited === true) {
        throw new RevocationError('ERR_REVOCATION_UNSOLICITED', `${key} sent its revocation, but this node only learned it unasked and never used its keys: nothing kept`)
      }
      const held = this.revoked.get(key)
      if (held !== undefined && compareRevocations(held, certificate) <= 0) return 'unchanged'
      const pin = this.state.store.readPin(key)
      if (pin === CORRUPT) {
        throw new RevocationError('ERR_REVOCATION_KEY_UNKNOWN', `the stored pin of ${key} is corrupt: this node cannot check which key may revoke it`)
      }
      if (pin !== undefined) {
        checkRevocationAgainstPin(this.state.crypto, certificate, this.knownKeys(pin, certificate))
      }
      await this.state.commit(key, { revocation: certificate.bytes, deleteEntry: this.state.hot.summary(key) !== undefined })
      this.revoked.set(key, certificate)
      if (held === undefined) this.onKeyChange({ peerId: certificate.peerId, change: 'revoked', seq: pin?.highestSeq ?? 0 })
      return 'stored'
    })
  }

  /** What this node knows of the peer's keys: its pin, and the keys the pin or the stored record name as earlier ones. */
  private knownKeys (pin: Pin, certificate: RevocationCertificate): KnownPeerKeys {
    const record = this.state.hot.get(certificate.peerId.toString())?.record ?? this.state.store.loadEntry(certificate.peerId.toString(), certificate.peerId)?.record
    return {
      fingerprint: pin.fingerprint,
      mlDsaPublicKey: pin.mlDsaPublicKey,
      earlierFingerprints: [pin.anchorFingerprint, record?.rotation?.previousFingerprint, ...(pin.superseded ?? [])].filter(f => f !== undefined)
    }
  }
}
