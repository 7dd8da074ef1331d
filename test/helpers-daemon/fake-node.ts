import { randomBytes } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { EnvelopeError, ResolveError, SessionError } from '../../src/errors.js'
import { MESSAGE_SIGNATURE_CONTEXT } from '../../src/signature/index.js'
import { keydirVersion } from '../../src/util/version.js'
import { createKeydirMetrics, type KeydirMetrics } from '../../src/metrics/index.js'
import { resolvedKeys } from '../../src/node/resolved-keys.js'
import { PeerReputation } from '../../src/reputation/index.js'
import { createKeyRecord, createRevocation, unmarshalRevocation, validateEquivocationProof, type EquivocationProof, type KeyRecord, type RevocationCertificate, type RevocationReason } from '../../src/record/index.js'
import type { AnchorEntry, KeyChangeKind, KeyDirectory, KeyDirectoryEvents, NodeStatus, OpenedEnvelope, ResolvedKeys, ResolveOptions, SignatureCheck } from '../../src/node/types.js'
import type { ListPeersFilter, PeerKeyRegistry, RegistryEntry, TrustLevel } from '../../src/registry/index.js'
import type { MlDsaSigner } from '../../src/crypto/index.js'
import type { AbortOptions, PeerId, PrivateKey } from '@libp2p/interface'

const crypto = selectPqCrypto()
const FAKE_ENVELOPE_TAG = 0xfe
const MESSAGE_CONTEXT = new TextEncoder().encode(MESSAGE_SIGNATURE_CONTEXT)

export interface FakePeer {
  privateKey: PrivateKey
  peerId: PeerId
  record: KeyRecord
  mlDsaSigner: MlDsaSigner
}

/** A peer with a real, validly signed key record. */
/** `x25519PublicKey`: a version-2 record with that key. */
export async function makeFakePeer (seq = 1, options: { x25519PublicKey?: Uint8Array } = {}): Promise<FakePeer> {
  const privateKey = await generateKeyPair('Ed25519')
  const mlDsaSigner = crypto.mlDsa65.createSigner(new Uint8Array(randomBytes(32)))
  const mlKem = crypto.mlKem768.createDecapsulator(new Uint8Array(randomBytes(64)))
  const record = await createKeyRecord({ privateKey, mlDsaSigner, mlKemPublicKey: mlKem.publicKey, seq, x25519PublicKey: options.x25519PublicKey })
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey), record, mlDsaSigner }
}

/**
 * A KeyDirectory without a network, for testing the API and CLI: it answers
 * `resolve` from a map of known peers, records every call, and can be told to
 * fail or hang for a peer. `emitKeyChange` dispatches a `key-change` as the
 * real node does; `stop()` dispatches `stop`.
 */
export class FakeKeyDirectory extends TypedEventEmitter<KeyDirectoryEvents> implements KeyDirectory {
  readonly peerId: PeerId
  readonly metrics: KeydirMetrics
  readonly registry: PeerKeyRegistry
  /** Scores in memory only: a test notes outcomes itself. */
  readonly reputation = new PeerReputation()
  readonly self: FakePeer
  readonly entries = new Map<string, RegistryEntry>()
  readonly resolveCalls: Array<{ peerId: string, options: ResolveOptions | undefined }> = []
  /** Peers whose resolve throws this error. */
  readonly failures = new Map<string, Error>()
  /** Peers whose resolve waits until aborted. */
  readonly hanging = new Set<string>()
  /** Peers whose resolve waits for this promise first. */
  readonly gates = new Map<string, Promise<void>>()
  publishCount = 0
  rotateCount = 0
  started = false
  /** What status() answers as the uptime. */
  uptimeMs = 1234
  stopped = false

  constructor (self: FakePeer) {
    super()
    this.self = self
    this.peerId = self.peerId
    this.metrics = createKeydirMetrics()
    this.registry = { listPeers: this.listPeers.bind(this) } as unknown as PeerKeyRegistry
  }

  /** As the registry lists: in PeerId order, filtered, then paged. */
  async listPeers (filter: ListPeersFilter = {}): Promise<RegistryEntry[]> {
    return [...this.entries.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
      .filter(([key]) => filter.after === undefined || key > filter.after)
      .map(([, e]) => e)
      .filter(e => (filter.trust === undefined || e.trust === filter.trust) && (filter.verified === undefined || e.verified === filter.verified))
      .slice(0, filter.limit ?? Infinity)
  }

  /** Make a peer known, as a resolve through `trust` would. */
  addPeer (peer: FakePeer, trust: TrustLevel = 'dht', verified = trust !== 'dht'): void {
    this.entries.set(peer.peerId.toString(), { record: peer.record, trust, verified, storedAt: Date.now() })
  }

  async start (): Promise<void> { this.started = true }
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.safeDispatchEvent('stop', { detail: this })
  }

  /** As the real node reports a change of a peer's keys: counted, then dispatched. */
  emitKeyChange (peerId: PeerId, change: KeyChangeKind, seq: number): void {
    this.metrics.keyChanges.inc({ change })
    this.safeDispatchEvent('key-change', { detail: { peerId, change, seq } })
  }

  getMultiaddrs (): Multiaddr[] {
    return [multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${this.peerId.toString()}`)]
  }

  async publish (options?: AbortOptions): Promise<KeyRecord> {
    options?.signal?.throwIfAborted()
    this.publishCount++
    return this.self.record
  }

  async rotate (options?: AbortOptions): Promise<KeyRecord> {
    options?.signal?.throwIfAborted()
    this.rotateCount++
    return this.self.record
  }

  /** Certificates this fake was handed (publishRevocation) or made (revoke), decoded but not checked. */
  readonly revocations: RevocationCertificate[] = []

  async revoke (options?: AbortOptions & { reason?: RevocationReason }): Promise<RevocationCertificate> {
    options?.signal?.throwIfAborted()
    const revocation = await createRevocation({ privateKey: this.self.privateKey, mlDsaSigner: this.self.mlDsaSigner, reason: options?.reason })
    this.revocations.push(revocation)
    return revocation
  }

  listRevocations (): RevocationCertificate[] {
    return [...this.revocations]
  }

  async publishRevocation (certificate: Uint8Array, options?: AbortOptions): Promise<RevocationCertificate> {
    options?.signal?.throwIfAborted()
    const revocation = unmarshalRevocation(certificate)
    this.revocations.push(revocation)
    return revocation
  }

  /** Equivocation proofs this fake holds, by PeerId string: submitEvidence validates them for real. */
  readonly evidence = new Map<string, EquivocationProof>()

  getEvidence (peerId: PeerId | string): EquivocationProof | undefined {
    return this.evidence.get(peerId.toString())
  }

  listEvidence (): EquivocationProof[] {
    return [...this.evidence.values()]
  }

  async submitEvidence (bytes: Uint8Array, options?: AbortOptions): Promise<EquivocationProof> {
    options?.signal?.throwIfAborted()
    const proof = validateEquivocationProof(crypto, bytes)
    this.evidence.set(proof.peerId.toString(), proof)
    return proof
  }

  async resolve (peerId: PeerId | string, options?: ResolveOptions): Promise<ResolvedKeys> {
    const id = typeof peerId === 'string' ? peerIdFromString(peerId).toString() : peerId.toString()
    this.resolveCalls.push({ peerId: id, options })
    const failure = this.failures.get(id)
    if (failure !== undefined) throw failure
    await this.gates.get(id)
    if (this.hanging.has(id)) {
      await new Promise((resolve, reject) => {
        const signal = options?.signal
        if (signal === undefined) return
        if (signal.aborted) { reject(signal.reason as Error); return }
        signal.addEventListener('abort', () => { reject(signal.reason as Error) }, { once: true })
      })
    }
    if (id === this.peerId.toString()) return resolvedKeys(this.self.record, 'self', 'self')
    // An ML-DSA PeerId (Qm…) of a known peer's key: as the resolver answers it.
    const byMlDsaPeerId = [...this.entries.values()].find(e => resolvedKeys(e.record, e.trust, 'registry').mlDsaPeerId === id)
    if (byMlDsaPeerId !== undefined) return resolvedKeys(byMlDsaPeerId.record, byMlDsaPeerId.trust, 'registry', false, undefined, { asked: 'mlDsaPeerId' })
    const entry = this.entries.get(id)
    if (entry === undefined) throw new ResolveError('ERR_NOT_FOUND', `no key record found for ${id}`)
    return resolvedKeys(entry.record, entry.trust, options?.refresh === true ? 'dht' : 'registry')
  }

  /** A stand-in envelope, 0xfe then the data, that only this fake opens: for the faces, not the cryptography. */
  async seal (peerId: PeerId | string, data: Uint8Array, options?: AbortOptions): Promise<Uint8Array> {
    await this.resolve(peerId, options)
    return Uint8Array.from([FAKE_ENVELOPE_TAG, ...data])
  }

  async open (envelope: Uint8Array, options?: AbortOptions): Promise<OpenedEnvelope> {
    options?.signal?.throwIfAborted()
    if (envelope[0] !== FAKE_ENVELOPE_TAG) throw new EnvelopeError('ERR_ENVELOPE_MALFORMED', 'not an envelope this fake sealed')
    return { from: this.peerId, data: envelope.subarray(1) }
  }

  async sign (data: Uint8Array): Promise<Uint8Array> {
    return this.self.mlDsaSigner.sign(data, MESSAGE_CONTEXT)
  }

  /** Checks against the current key only: a fake has no rotation chain. */
  async verify (peerId: PeerId | string, data: Uint8Array, signature: Uint8Array, options?: AbortOptions): Promise<SignatureCheck> {
    const keys = await this.resolve(peerId, options)
    const valid = crypto.mlDsa65.verify(keys.mlDsaPublicKey, data, signature, MESSAGE_CONTEXT)
    return { valid, current: valid, seq: keys.seq }
  }

  async status (): Promise<NodeStatus> {
    const entries = [...this.entries.values()]
    return {
      peerId: this.peerId.toString(),
      multiaddrs: this.getMultiaddrs().map(ma => ma.toString()),
      dhtSize: 3,
      connections: 2,
      maxConnections: 300,
      registry: { peers: entries.length, verified: entries.filter(e => e.verified).length },
      record: { seq: this.self.record.seq, issuedAt: this.self.record.issuedAt, expiresAt: this.self.record.expiresAt },
      crypto: crypto.name,
      reputation: { peers: this.reputation.size, belowThreshold: this.reputation.belowThresholdCount() },
      version: keydirVersion(),
      uptimeMs: this.uptimeMs
    }
  }

  anchorEntry (): AnchorEntry {
    return { multiaddr: this.getMultiaddrs()[0]?.toString() ?? '', peerId: this.peerId.toString(), mlDsaPublicKey: this.self.record.mlDsaPublicKey }
  }

  /** No network: the API and CLI never open sessions. */
  async dialSecure (): Promise<never> {
    throw new SessionError('ERR_SESSION_UNSUPPORTED', 'the fake node opens no sessions')
  }

  async handleSecure (): Promise<void> {}
  async unhandleSecure (): Promise<void> {}
}

export async function createFakeNode (): Promise<FakeKeyDirectory> {
  return new FakeKeyDirectory(await makeFakePeer())
}
