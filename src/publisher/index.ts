/** This node's own record as a libp2p service: sign, publish, republish, rotate, one change at a time. */
export * from './constants.js'
export { OwnRecordLock } from './own-record-lock.js'
export { envelopeGraceMsOf, RecordPublisher, recordPublisher, type KemKeys, type OwnSigner, type RecordPublisherComponents, type RecordPublisherInit } from './publisher.js'
