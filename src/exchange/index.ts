/** The direct KeyRequest / KeyResponse exchange over libp2p, and discovery on connect: two libp2p services. */
export * from './constants.js'
export { KeyExchange, keyExchange, type KeyExchangeComponents, type KeyExchangeInit } from './key-exchange.js'
export { KeyDiscovery, keyDiscovery, type KeyDiscoveryComponents, type KeyDiscoveryInit } from './discovery.js'
export { checkKeyRequest, checkKeyResponse, createKeyRequest, createKeyResponse, decodeKeyRequest, decodeKeyResponse, startKeyRequestCheck, type ExchangeSigner, type CheckContext } from './messages.js'
export { NonceBook, type NonceBookInit } from './nonces.js'
export { PendingKeyRequests, type PendingKeyRequestsInit } from './pending-requests.js'
