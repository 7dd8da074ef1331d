/** The direct KeyRequest / KeyResponse exchange over libp2p, key pushes after a rotation, history beyond a record's bound, and discovery on connect: four libp2p services. */
export * from './constants.js'
export { KeyExchange, keyExchange, type KeyExchangeComponents, type KeyExchangeInit } from './key-exchange.js'
export { KeyDiscovery, keyDiscovery, type KeyDiscoveryComponents, type KeyDiscoveryInit } from './discovery.js'
export { KeyPushService, keyPush, type KeyPushComponents, type KeyPushInit, type PushReport } from './push.js'
export { KeyHistory, keyHistory, type FetchHistoryOptions, type KeyHistoryComponents, type KeyHistoryInit } from './history.js'
export { checkKeyPush, checkKeyRequest, checkKeyResponse, createKeyPush, createKeyRequest, createKeyResponse, decodeKeyPush, decodeKeyRequest, decodeKeyResponse, exchangeSignedBytes, mayAnswerEarly, startKeyRequestCheck, type ExchangeSigner, type CheckContext } from './messages.js'
export {
  checkHistoryRequest, checkHistoryResponse, createHistoryRequest, createHistoryResponse, decodeHistoryRequest, decodeHistoryResponse, handOversBetween,
  type HistoryResponseCheck, type HistorySpan
} from './history-messages.js'
export { NonceBook, type NonceBookInit } from './nonces.js'
export { PendingKeyRequests, type PendingKeyRequestsInit } from './pending-requests.js'
