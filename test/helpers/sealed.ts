import { createKeyRecord } from '../../src/record/index.js'
import { createIdentity, type Identity } from '../../src/identity/index.js'
import { Envelopes } from '../../src/envelope/index.js'
import { KeydirError } from '../../src/errors.js'
import { createKeydirMetrics } from '../../src/metrics/index.js'
import type { MlDsaSigner, PqCrypto } from '../../src/crypto/index.js'
import type { KeyRecord } from '../../src/record/index.js'

/**
 * Sealed envelopes made with no network, as `keydir seal` makes them
 * (Envelopes.seal, the node's own code): a recipient with a real data dir,
 * whose identity opens them, and a sender that is just a signer and the
 * record that carries its key.
 */

export interface Recipient {
  dir: string
  identity: Identity
  /** A version-2 record of the identity's keys, the one envelopes are sealed to. */
  record: KeyRecord
}

/** A data dir with a fresh identity (as `keydir init` makes it) and a record of its keys. */
export async function makeRecipient (dir: string, crypto: PqCrypto, seq = 1): Promise<Recipient> {
  const identity = await createIdentity(dir, { crypto })
  const record = await createKeyRecord({
    privateKey: identity.privateKey,
    mlDsaSigner: identity.mlDsaSigner,
    mlKemPublicKey: identity.mlKem.publicKey,
    x25519PublicKey: identity.x25519PublicKey,
    seq
  })
  return { dir, identity, record }
}

export interface Sender {
  signer: MlDsaSigner
  /** The record whose seq the envelope names; its key need not be `signer`'s (a forgery, a stale key). */
  record: KeyRecord
}

/** `data` sealed by `sender` to `recipient`'s record, byte for byte what `keydir seal` writes. */
export async function seal (crypto: PqCrypto, sender: Sender, recipient: KeyRecord, data: Uint8Array): Promise<Uint8Array> {
  const envelopes = new Envelopes({
    crypto,
    peerId: sender.record.peerId,
    self: () => ({ record: sender.record, mlDsaSigner: sender.signer }),
    kemKeys: () => ({ current: undefined, retired: [] }),
    graceMs: 0,
    resolve: async () => ({ record: recipient }),
    checkSignature: async () => { throw new KeydirError('ERR_UNEXPECTED', 'sealing checks no signature') },
    metrics: createKeydirMetrics()
  })
  return envelopes.seal(recipient.peerId, data)
}
