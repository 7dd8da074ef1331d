/**
 * The key record: a peer's ML-DSA-65 and ML-KEM-768 public keys (at
 * version 2 also its X25519 key), bound to its PeerId by two signatures
 * over one canonical byte string. This layer knows nothing of the network
 * or the database.
 */
export * from './constants.js'
export * from './types.js'
export { checkX25519PublicKey, marshalKeyRecord, unmarshalKeyRecord } from './codec.js'
export { createKeyRecord, createRotationProof, type CreateKeyRecordInit } from './create.js'
export { KeyRecordValidator, type KeyRecordValidatorInit } from './validate.js'
export { compareKeyRecords, selectKeyRecord } from './select.js'
export { verifyRotationProof } from './rotation.js'
export { followHistory, oldestFingerprint, recordHash, replacesSameRecord, checkChainStructure, type PinnedKey, type FollowHistoryOptions, type FollowedHistory } from './history.js'
export { routingKeyFor, peerIdBytesFromRoutingKey, ed25519PeerIdFromBytes } from './routing-key.js'
export { recordContext, recordSignedBytes, rotationSignedBytes, RECORD_CONTEXT, RECORD_V2_CONTEXT, ROTATION_CONTEXT } from './signed-bytes.js'
export { REVOCATION_REASONS, type RevocationCertificate, type RevocationContent, type RevocationReason } from './revocation-types.js'
export { isRevocationBytes, marshalRevocation, unmarshalRevocation, revocationSignedBytes, REVOCATION_CONTEXT, REVOCATION_TAG } from './revocation-codec.js'
export { checkRevocationAgainstPin, createRevocation, RevocationValidator, type CreateRevocationInit, type KnownPeerKeys, type RevocationLink, type RevocationValidatorInit } from './revocation.js'
export { decodePqkValue, equivocationValue, pqkValueBytes, validatePqkValue, type PqkEquivocationValue, type PqkValue, type PqkValueValidators } from './pqk-value.js'
export { createEquivocationProof, differingFields, EQUIVOCATION_TAG, isEquivocationBytes, recordDigest, unmarshalEquivocationProof, type EquivocationProof } from './equivocation-codec.js'
export { checkEquivocationAgainstPin, EquivocationValidator, validateEquivocationProof, type EquivocationValidatorInit } from './equivocation.js'
export { compareEquivocationProofs, comparePqkValues, compareRevocations, selectPqkValue } from './select.js'
export { isSha256Multihash, mlDsaLibp2pPublicKey, mlDsaPeerIdBytes, mlDsaPeerIdString, mlDsaRoutingKey, peerIdNamesRecord, MLDSA_KEY_TYPE, ML_DSA_65_VARIANT } from './ml-dsa-peer-id.js'
