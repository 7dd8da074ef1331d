/**
 * The parties of the envelope golden vectors, from fixed seeds, and an
 * Envelopes instance that opens as the recipient with no network: the
 * directory is a map of the parties' records. generate-envelope.ts and
 * test/envelope/vectors.test.ts share it.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { expandXWingSeed } from '../../src/crypto/index.js'
import { Envelopes, type RetiredKemSeed } from '../../src/envelope/index.js'
import { ResolveError } from '../../src/errors.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import { createKeyRecord } from '../../src/record/index.js'
import { MessageSignatures, RetiredSigningKeys } from '../../src/signature/index.js'
import { deterministicSigner } from './session-transcript.js'
import type { MlDsaSigner, PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord } from '../../src/record/index.js'
import type { ResolveOptions } from '../../src/resolver/index.js'
import type { PeerId } from '@libp2p/interface'

export const ENVELOPE_SEEDS = {
  recipient: { ed25519: new Uint8Array(32).fill(0x31), mlDsa: new Uint8Array(32).fill(0x32), kem: new Uint8Array(32).fill(0x33) },
  sender: { ed25519: new Uint8Array(32).fill(0x41), mlDsa: new Uint8Array(32).fill(0x42), kem: new Uint8Array(32).fill(0x43) },
  /** Another key the sender does not hold in the directory: signs the forged vector. */
  stranger: { mlDsa: new Uint8Array(32).fill(0x51) },
  /** The sender's keys after its first and second rotation (its current record in the stale-key vector is K2's). */
  senderK1: { mlDsa: new Uint8Array(32).fill(0x44) },
  senderK2: { mlDsa: new Uint8Array(32).fill(0x45) },
  /** X-Wing's encapsulation randomness: the ML-KEM-768 message, then the X25519 ephemeral secret. */
  ekm: new Uint8Array(64).fill(0x61),
  /** A KEM seed the recipient never published: a retired key that is not the one an envelope was sealed to. */
  otherKem: new Uint8Array(32).fill(0x34),
  issuedAt: 1_800_000_000_000,
  lifetimeMs: 24 * 60 * 60_000,
  /** The recipient's clock: an hour after the records were issued. */
  now: 1_800_003_600_000,
  recipientSeq: 1_800_000_000_000,
  senderSeq: 1_800_000_000_001
}

export interface EnvelopeParty {
  peerId: PeerId
  signer: MlDsaSigner
  kemSeed: Uint8Array
  record: KeyRecord
}

async function party (seeds: { ed25519: Uint8Array, mlDsa: Uint8Array, kem: Uint8Array }, seq: number, crypto: PqCrypto): Promise<EnvelopeParty> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', seeds.ed25519)
  const signer = deterministicSigner(seeds.mlDsa)
  const xwing = expandXWingSeed(seeds.kem)
  const record = await createKeyRecord({
    privateKey,
    mlDsaSigner: signer,
    mlKemPublicKey: crypto.mlKem768.createDecapsulator(xwing.mlKemSeed).publicKey,
    x25519PublicKey: xwing.x25519PublicKey,
    seq,
    issuedAt: ENVELOPE_SEEDS.issuedAt,
    lifetimeMs: ENVELOPE_SEEDS.lifetimeMs
  })
  return { peerId: peerIdFromPrivateKey(privateKey), signer, kemSeed: seeds.kem, record }
}

export async function envelopeParties (crypto: PqCrypto): Promise<{ recipient: EnvelopeParty, sender: EnvelopeParty }> {
  return {
    recipient: await party(ENVELOPE_SEEDS.recipient, ENVELOPE_SEEDS.recipientSeq, crypto),
    sender: await party(ENVELOPE_SEEDS.sender, ENVELOPE_SEEDS.senderSeq, crypto)
  }
}

/**
 * The recipient's state an envelope vector may name (envelope.json's
 * `receiver`): its newest record's seq when a rotation followed the one
 * sealed to, the KEM seeds that rotation retired (erased: past the grace
 * time), and the record its directory holds for the sender.
 */
export interface RecipientState {
  newestRecordSeq?: number
  retiredKemKeys?: RetiredKemSeed[]
  /** The record the directory holds for the sender; null: it finds none. */
  senderRecord?: KeyRecord | null
  /** The directory refuses the sender with this code (a revocation, an equivocation proof). */
  senderRefusedWith?: string
  /** false: the node has no X-Wing key of its own (a version-1 node's keys). */
  hasCurrentKemKey?: boolean
  /** The recipient's clock. */
  now?: number
}

/** The grace time the vectors' recipient keeps retired KEM seeds: keydir's default, 7 days. */
export const VECTOR_GRACE_MS = 7 * 24 * 60 * 60_000

/** `open` as the recipient, with a directory of the two parties' records (or the state's) and nothing else. */
export function recipientEnvelopes (crypto: PqCrypto, recipient: EnvelopeParty, known: EnvelopeParty[], onResolve: (options: ResolveOptions) => void = () => {}, state: RecipientState = {}): Envelopes {
  const metrics = createKeydirMetrics()
  const resolve = async (peerId: PeerId | string, options: ResolveOptions = {}): Promise<{ record: KeyRecord }> => {
    onResolve(options)
    const found = known.find(p => p.peerId.toString() === peerId.toString())
    if (found === undefined) throw new ResolveError('ERR_NOT_FOUND', `no key record found for ${peerId.toString()}`)
    if (found.peerId.equals(recipient.peerId)) return { record: found.record }
    if (state.senderRefusedWith !== undefined) throw new ResolveError(state.senderRefusedWith, `the vector's directory refuses ${peerId.toString()}`)
    if (state.senderRecord === null) throw new ResolveError('ERR_NOT_FOUND', `no key record found for ${peerId.toString()}`)
    if (state.senderRecord !== undefined && state.senderRecord.peerId.equals(found.peerId)) return { record: state.senderRecord }
    return { record: found.record }
  }
  const signatures = new MessageSignatures({
    crypto,
    signer: () => recipient.signer,
    resolve,
    retiredKeys: new RetiredSigningKeys({ readAll: async () => [], write: async () => {} }),
    getPin: async () => undefined,
    metrics
  })
  const ownRecord = state.newestRecordSeq === undefined ? recipient.record : { ...recipient.record, seq: state.newestRecordSeq }
  return new Envelopes({
    crypto,
    peerId: recipient.peerId,
    self: () => ({ record: ownRecord, mlDsaSigner: recipient.signer }),
    kemKeys: () => ({ current: state.hasCurrentKemKey === false ? undefined : { kemSeed: recipient.kemSeed }, retired: state.retiredKemKeys ?? [] }),
    graceMs: VECTOR_GRACE_MS,
    ...(state.now === undefined ? {} : { now: () => state.now! }),
    resolve,
    checkSignature: async (peerId, message, signature, context, options) => signatures.check(peerId, message, signature, context, options),
    metrics
  })
}
