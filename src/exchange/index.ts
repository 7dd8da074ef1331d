/** The direct KeyRequest / KeyResponse exchange over libp2p. */
export * from './constants.js'
export { KeyExchange, type KeyExchangeComponents, type KeyExchangeInit } from './key-exchange.js'
export { checkKeyRequest, checkKeyResponse, createKeyRequest, createKeyResponse, decodeKeyRequest, decodeKeyResponse, startKeyRequestCheck, type ExchangeSigner, type CheckContext } from './messages.js'
