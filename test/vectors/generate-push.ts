/**
 * Writes test/vectors/key-push.json: a golden KeyPush (docs/exchange.md),
 * made by the golden plain record's owner for a fixed
 * recipient, with invalid variants. Every byte is reproducible: ML-DSA-65
 * signs deterministically here (deterministic.ts), and the record is the
 * golden plain record key-record.json holds. test/exchange/push-vector.test.ts
 * checks them.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { KeyPush } from '../../protobuf/key-exchange.js'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { createKeyPush, exchangeSignedBytes, PUSH_DOMAIN } from '../../src/exchange/index.js'
import { committedGoldenRecords, deterministicCrypto } from './deterministic.js'
import { GOLDEN, makeGoldenRecords } from './golden.js'

/** The recipient's Ed25519 seed: 32 bytes of 0x06. */
export const PUSH_RECIPIENT_SEED = new Uint8Array(32).fill(6)
/** The push's nonce: the golden time in microseconds, as a node's first outbound nonce would be. */
export const PUSH_NONCE = BigInt(GOLDEN.validAt) * 1000n

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export async function writePushVectors (): Promise<string> {
  const crypto = deterministicCrypto(selectPqCrypto())
  const { plain } = await makeGoldenRecords(crypto, await committedGoldenRecords())
  const recipient = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', PUSH_RECIPIENT_SEED))
  const signer = { peerId: plain.peerId, record: plain, mlDsaSigner: crypto.mlDsa65.createSigner(GOLDEN.mlDsaSeed) }
  const push = await createKeyPush(signer, recipient, PUSH_NONCE, GOLDEN.validAt)
  const bytes = KeyPush.encode(push)
  const flipped = KeyPush.encode({ ...push, signature: Uint8Array.from(push.signature, (b, i) => i === 0 ? b ^ 1 : b) })
  const vectors = {
    description: 'keydir KeyPush golden vector; format: docs/exchange.md. Bytes are the KeyPush message without its length prefix.',
    inputs: { recipientEd25519SeedHex: hex(PUSH_RECIPIENT_SEED), validAt: GOLDEN.validAt, context: PUSH_DOMAIN },
    valid: {
      pusher: plain.peerId.toString(),
      recipient: recipient.toString(),
      timestamp: GOLDEN.validAt,
      nonce: PUSH_NONCE.toString(),
      recordHex: hex(plain.bytes),
      signedBytesHex: hex(exchangeSignedBytes(new TextEncoder().encode(PUSH_DOMAIN), plain.peerId, recipient, GOLDEN.validAt, PUSH_NONCE, plain.bytes)),
      pushHex: hex(bytes)
    },
    invalid: [
      { name: 'first byte of the push signature flipped', rule: 'the push signature verifies with the pushed record\'s ML-DSA-65 key', pushHex: hex(flipped), error: 'ERR_BAD_PUSH_SIGNATURE' },
      { name: 'checked by a peer it is not addressed to (the pusher itself)', rule: 'recipient_id is the receiver', pushHex: hex(bytes), recipient: plain.peerId.toString(), error: 'ERR_WRONG_RECIPIENT' }
    ]
  }
  const out = fileURLToPath(new URL('../../../test/vectors/key-push.json', import.meta.url))
  await writeFile(out, JSON.stringify(vectors, null, 2) + '\n')
  return out
}
