import { Key } from 'interface-datastore'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { DHT_DATASTORE_PREFIX } from './constants.js'

/** Where kad-dht stores the record it holds under `routingKey` (its own layout, given our prefix). */
export function dhtRecordKey (routingKey: Uint8Array): Key {
  return new Key(`${DHT_DATASTORE_PREFIX}/record/${uint8ArrayToString(routingKey, 'base32')}`, false)
}
