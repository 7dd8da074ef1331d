/**
 * keydir: a post-quantum peer key directory for libp2p networks.
 *
 * @example
 * ```ts
 * import { createKeyDirectory } from 'keydir'
 *
 * const node = await createKeyDirectory({ dataDir: './data/a' })
 * await node.start()
 * const keys = await node.resolve('12D3KooW...', { signal: AbortSignal.timeout(5000) })
 * keys.mlKemPublicKey // 1184 bytes, bound to that PeerId
 * await node.stop()
 * ```
 */
export { createKeyDirectory } from './node/index.js'
export { KEY_CHANGE_KINDS } from './node/index.js'
export type {
  AnchorEntry, DhtAnswerDetail, DhtAnswerResult, DhtEndDetail, DhtEndReason, DhtLookupProgressEvents, DhtQuorumDetail, KeyChangeDetail, KeyChangeKind, KeyDirectory, KeyDirectoryEvents, KeyDirectoryOptions, NodeStatus, OpenedEnvelope,
  ResolvedKeys, ResolveOptions, ResolvePathDetail, ResolveProgressEvents, SignatureCheck
} from './node/index.js'
export { unmarshalEnvelope, ENVELOPE_SIGNATURE_DOMAIN, MAX_SEALED_DATA } from './envelope/index.js'
export { MESSAGE_SIGNATURE_CONTEXT } from './signature/index.js'
export { PeerKeyRegistry } from './registry/index.js'
export type { RegistryEntry, TrustLevel, Pin } from './registry/index.js'
export { PeerReputation, OUTCOME_WEIGHTS, PEER_OUTCOMES } from './reputation/index.js'
export type { PeerOutcome, PeerScores } from './reputation/index.js'
export { KeyRecordValidator, createKeyRecord, unmarshalKeyRecord, marshalKeyRecord, routingKeyFor, selectKeyRecord, verifyRotationProof } from './record/index.js'
export { createEquivocationProof, EquivocationValidator, validateEquivocationProof } from './record/index.js'
export type { EquivocationProof, KeyRecord, RotationProof } from './record/index.js'
export { selectPqCrypto, nativeCrypto, nobleCrypto, fingerprint } from './crypto/index.js'
export type { PqCrypto } from './crypto/index.js'
export { SecureStream, SECURE_PROTOCOL_PREFIX, NOISE_PROTOCOL_NAME } from './session/index.js'
export type { HandleSecureOptions, SecureStreamHandler } from './session/index.js'
export { createKeydirMetrics, type KeydirMetrics } from './metrics/index.js'
export type { KeydirLogger } from './util/log.js'
export * from './errors.js'
