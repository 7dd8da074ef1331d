import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Libp2pRecord } from '@libp2p/record'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { KeyRequest, KeyResponse } from '../../protobuf/key-exchange.js'
import { dhtRecordKey, DHT_PROTOCOL } from '../../src/dht/index.js'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES } from '../../src/exchange/index.js'
import { buildLibp2p, DEFAULT_MAX_CONNECTIONS } from '../../src/node/libp2p.js'
import { makeIdentity, makeRecord } from './records.js'
import { makeTempDir } from './temp-dir.js'
import type { BaseLibp2p } from '../../src/node/libp2p.js'
import type { TestIdentity } from './records.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { ValidateFn } from '@libp2p/kad-dht'

export type ResponseMaker = (request: KeyRequest, remote: PeerId) => KeyResponse | Promise<KeyResponse>

export interface HostileNode {
  libp2p: BaseLibp2p
  identity: TestIdentity
  multiaddr: string
  /** Serve `value` for DHT key `key`, whatever it is: this node's DHT validates nothing. */
  serveDhtRecord (key: Uint8Array, value: Uint8Array): Promise<void>
  /** Answer every KeyRequest with what `make` returns. */
  answerKeyRequests (make: ResponseMaker): Promise<void>
  stop (): Promise<void>
}

export interface PermissiveNode {
  libp2p: BaseLibp2p
  identity: TestIdentity
  datastore: LevelDatastore
  stop: () => Promise<void>
}

/**
 * A started libp2p node on the keydir DHT whose `/pqk/` validator accepts
 * anything (or what `pqkValidator` accepts): the base of the test attackers.
 * `privateKey` gives it a chosen libp2p identity (an ID picked for where it
 * lands in the key space); default a fresh one.
 */
export async function startPermissiveNode (prefix: string, pqkValidator: ValidateFn = async () => {}, options: { privateKey?: PrivateKey } = {}): Promise<PermissiveNode> {
  const dir = await makeTempDir(prefix)
  const datastore = new LevelDatastore(join(dir.path, 'datastore'))
  await datastore.open()
  const fresh = await makeIdentity()
  const identity = options.privateKey === undefined ? fresh : { ...fresh, privateKey: options.privateKey, peerId: peerIdFromPrivateKey(options.privateKey) }
  const libp2p = await buildLibp2p({
    privateKey: identity.privateKey,
    datastore,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    dhtProtocol: DHT_PROTOCOL,
    pqkValidator,
    localNetwork: true,
    maxConnections: DEFAULT_MAX_CONNECTIONS
  })
  await libp2p.start()
  return {
    libp2p,
    identity,
    datastore,
    stop: async () => {
      await libp2p.stop()
      await datastore.close()
      await dir.remove()
    }
  }
}

/**
 * A real libp2p node on the keydir DHT that accepts and serves any value
 * and answers KeyRequests however a test tells it to: the attacker in the
 * adversarial tests.
 */
export async function startHostileNode (bootstrap: string[]): Promise<HostileNode> {
  // What the test told it to serve stays served: an honest lookup ends by
  // PUTting the best record to peers that answered worse (kad-dht's
  // correction), and a PUT landing after the next serveDhtRecord would
  // replace what that test meant to serve.
  const served = new Set<string>()
  const keepServed: ValidateFn = async key => {
    if (served.has(uint8ArrayToString(key, 'base64'))) throw new Error('this hostile node keeps what it serves')
  }
  const { libp2p, identity, datastore, stop } = await startPermissiveNode('keydir-hostile-', keepServed)
  for (const address of bootstrap) {
    await libp2p.dial(multiaddr(address))
  }
  return {
    libp2p,
    identity,
    multiaddr: libp2p.getMultiaddrs()[0].toString(),
    serveDhtRecord: async (key, value) => {
      served.add(uint8ArrayToString(key, 'base64'))
      await datastore.put(dhtRecordKey(key), new Libp2pRecord(key, value, new Date()).serialize())
    },
    answerKeyRequests: async make => {
      await libp2p.unhandle(EXCHANGE_PROTOCOL)
      await libp2p.handle(EXCHANGE_PROTOCOL, async (stream, connection) => {
        const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
        const request = await pb.read(KeyRequest)
        await pb.write(await make(request, connection.remotePeer), KeyResponse)
        await stream.close()
      })
    },
    stop
  }
}

/** The hostile node's own valid record, for responses that should pass every check but one. */
export async function hostileRecord (node: HostileNode, options: Parameters<typeof makeRecord>[1] = {}): ReturnType<typeof makeRecord> {
  return makeRecord(node.identity, options)
}
