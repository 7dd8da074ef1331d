export { MAX_RETIRED_KEY_PEERS, MAX_RETIRED_KEYS_PER_PEER, MESSAGE_SIGNATURE_CONTEXT, RETIRED_KEY_ROWS } from './constants.js'
export { RetiredSigningKeys, type RetiredSigningKey } from './key-log.js'
export { MessageSignatures, selfRevoked, type MessageSignaturesInit, type SignatureCheck } from './signatures.js'
export { provenEarlierKeys, signerKeysOf, type SignerKey } from './signer-keys.js'
