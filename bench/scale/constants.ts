/**
 * The constants the scale model (docs/scale.md) is built from: keydir's own,
 * read from src/ where it exports them, kad-dht 16's (not exported by the
 * package: test/bench/scale-model.test.ts checks them against the installed
 * files), and the byte sizes of the messages a lookup sends.
 */
import { DEFAULT_ASK_TIMEOUT_MS, DEFAULT_DISJOINT_PATHS, DEFAULT_FIRST_CONTACT_QUORUM, DHT_REPLICATION } from '../../src/dht/index.js'
import { DEFAULT_RECORD_LIFETIME_MS } from '../../src/record/index.js'

const hour = 60 * 60 * 1000

/** kad-dht's K (routing-table bucket size, and the replication of a put): keydir's DHT_REPLICATION. */
export const K = DHT_REPLICATION
/** kad-dht 16's routing table is a trie on the first bits of the Kademlia id, at most this deep (routing-table/index.js PREFIX_LENGTH). */
export const KAD_PREFIX_LENGTH = 6
/** kad-dht 16's query concurrency per path (constants.js ALPHA); its disjoint paths default to it. keydir does not change them. */
export const KAD_ALPHA = 10
export const KAD_DISJOINT_PATHS = KAD_ALPHA

/** keydir's own lookup (src/dht/lookup/record-lookup.ts): peers asked at once per path (DEFAULT_ALPHA, not exported). */
export const KEYDIR_ALPHA = 3
export const KEYDIR_PATHS = DEFAULT_DISJOINT_PATHS
export const KEYDIR_QUORUM = DEFAULT_FIRST_CONTACT_QUORUM
/** A first contact short of its quorum waits at most the ask timeout after its first valid answer. */
export const KEYDIR_QUORUM_WAIT_MS = DEFAULT_ASK_TIMEOUT_MS
/** keydir republishes every third of a record's lifetime (src/publisher/publisher.ts). */
export const KEYDIR_REPUBLISH_MS = DEFAULT_RECORD_LIFETIME_MS / 3
/** IPNS publishers (boxo's DefaultRebroadcastInterval, js-ipfs's defaultBroadcastInterval) republish every 4 hours. */
export const IPNS_REPUBLISH_MS = 4 * hour

/**
 * A plain version-2 key record (docs/record-format.md), what a node with a
 * KEM seed publishes: ML-DSA-65 key 1952 B, signature 3309 B, ML-KEM-768 key
 * 1184 B, the rest, with seq and times clock readings (6,612 to 6,617 B;
 * version 1 was 6,581).
 */
export const KEYDIR_RECORD_BYTES = 6617
/** The network bench's Ed25519-signed IPNS V1+V2 record (bench/network.ts). */
export const IPNS_RECORD_BYTES = 397

/**
 * Checking one answer's record on the resolving node: keydir's decode +
 * validate of a fresh record, two signatures (record bench, 441 µs p50);
 * IPNS's one Ed25519 verify and CBOR decode (an estimate: not benched).
 */
export const KEYDIR_VERIFY_MS = 0.44
export const IPNS_VERIFY_MS = 0.1

/**
 * Bytes on the wire (Noise-encrypted yamux frames, TCP/IP headers not
 * counted, as the network bench counts them), from the message formats:
 *
 * - a routing key: `/pqk/` (5) + an Ed25519 PeerId's multihash (38);
 * - a GET_VALUE or FIND_NODE request: type (2) + key (2 + 43) + length prefix (1);
 * - an answer without a record or peers: the same;
 * - a record in an answer or a PUT: libp2p's Record wrapper around it,
 *   key (2 + 43), value's tag and length (3), timeReceived (2 + 24), and
 *   the message field's tag and length (3);
 * - a named peer: id (2 + 38), each address (1 + 8 for /ip4/../tcp/..),
 *   its field's tag and length (2), connection type (2);
 * - a stream per request: multistream-select of the protocol both ways
 *   (2 x 37), about 8 yamux headers (12 each), about 8 Noise frames
 *   (2-byte length + 16-byte tag);
 * - a new connection: multistream-select of Noise and yamux, the Noise XX
 *   handshake with its identity payloads, identify both ways (keys,
 *   addresses, protocols, signed peer record): an estimate.
 */
export const WIRE = {
  requestBytes: 48,
  answerBaseBytes: 48,
  recordWrapBytes: 77,
  peerEntryBaseBytes: 44,
  bytesPerAddress: 9,
  streamOverheadBytes: 2 * 37 + 8 * 12 + 8 * 18,
  dialBytes: 2400
} as const

/**
 * Round trips per query on an open connection: the protocol's
 * multistream-select (libp2p 3.3 negotiates a new stream in full), then
 * the request and its answer. A new connection: TCP, multistream-select
 * of Noise, the XX handshake, multistream-select of yamux.
 */
export const ROUND_TRIPS_PER_QUERY = 2
export const ROUND_TRIPS_PER_DIAL = 4

/** A responder's work per query plus the resolver's reading of the answer, on an idle host (datastore read, encode, Noise, decode): an estimate. */
export const SERVICE_MS = 1
