import { pbStream } from '@libp2p/utils'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES } from '../../src/exchange/index.js'
import { loadIdentity } from '../../src/identity/index.js'
import type { ExchangeSigner, KeyExchangeComponents } from '../../src/exchange/index.js'
import { libp2pOf } from '../../src/node/index.js'
import type { KeyDirectory } from '../../src/node/index.js'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** A node's own signer, read from its data dir, to craft requests as that node in tests. */
export async function signerOf (node: KeyDirectory, dataDir: string): Promise<ExchangeSigner> {
  const identity = await loadIdentity(dataDir, { crypto: selectPqCrypto() })
  const { record } = await node.resolve(node.peerId)
  return { peerId: node.peerId, record, mlDsaSigner: identity.mlDsaSigner }
}

/** Send one raw KeyRequest from the libp2p node `from` to `to`; resolves with the response, rejects if the peer aborts the stream. */
export async function sendKeyRequest (from: Pick<Libp2p, 'dialProtocol'>, to: PeerId, request: KeyRequest): Promise<KeyResponse> {
  const stream = await from.dialProtocol(to, EXCHANGE_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
  await pb.write(request, KeyRequest)
  const response = await pb.read(KeyResponse, { signal: AbortSignal.timeout(10_000) })
  await stream.close()
  return response
}

/** A KeyExchange's libp2p components taken from a running node, for an exchange a test runs beside the node's own. */
export function exchangeComponents (libp2p: Libp2p): KeyExchangeComponents {
  return {
    registrar: { handle: libp2p.handle.bind(libp2p), unhandle: libp2p.unhandle.bind(libp2p) },
    connectionManager: {
      openConnection: async (peer, options) => libp2p.dial(peer, options),
      getConnections: (peer) => libp2p.getConnections(peer)
    }
  }
}

/** A fresh outbound nonce of `node`'s key exchange, as its own requests take them. */
export async function nextNonce (node: KeyDirectory): Promise<bigint> {
  return libp2pOf(node).services.keyExchange.nonces.nextOutbound()
}
