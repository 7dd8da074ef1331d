/** The Kademlia side of keydir: the `/pqk/` validator and selector, and record put/get. */
export * from './constants.js'
export { dhtRecordKey } from './record-key.js'
export { conflictingRecords, createPqkCheck, createPqkValidator, createPqkValueCheck, pqkSelector, type PqkCheckComponents, type PqkRecordCheck, type PqkValidatorComponents, type PqkValueCheck, type PqkValueCheckComponents } from './pqk-validator.js'
export { DhtRecords, isWellCovered, type DhtRecordsComponents, type DhtRecordsInit, type FindOptions, type PublishCoverage } from './record-lookup.js'
export { DEFAULT_MAX_DHT_RECORDS, PqkRecordStore, REVOCATION_ROOM_MS, type PqkRecordStoreInit } from './pqk-store.js'
export { putToPeers, type DirectPutComponents } from './direct-put.js'
export { publishEvidence, type PublishEvidenceComponents } from './publish-evidence.js'
