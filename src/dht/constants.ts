export const DHT_PROTOCOL = '/numi/kad/1.0.0'
/** Where kad-dht keeps the records it stores for others; set explicitly so our validator can read it. */
export const DHT_DATASTORE_PREFIX = '/dht'
/** kad-dht's K: a record is put on the K closest peers to its key. */
export const DHT_REPLICATION = 20
/** A Kademlia message with one `/pqk/` value (a record, a revocation or an equivocation proof) and K closer peers fits. */
export const MAX_KAD_MESSAGE_BYTES = 64 * 1024
