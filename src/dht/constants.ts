export const DHT_PROTOCOL = '/numi/kad/1.0.0'
/** Where kad-dht keeps the records it stores for others; set explicitly so our validator can read it. */
export const DHT_DATASTORE_PREFIX = '/dht'
/** kad-dht's K: a record is put on the K closest peers to its key. */
export const DHT_REPLICATION = 20
