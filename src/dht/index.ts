/** The Kademlia side of keydir: the `/pqk/` validator and selector, and record put/get. */
export * from './constants.js'
export { dhtRecordKey } from './record-key.js'
export { createPqkValidator, pqkSelector, type PqkValidatorComponents } from './pqk-validator.js'
export { DhtRecords, isWellCovered, type DhtRecordsComponents, type DhtRecordsInit, type FindOptions, type PublishCoverage } from './record-lookup.js'
