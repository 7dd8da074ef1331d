/**
 * Writes test/vectors/session.json: one whole secure-session handshake
 * (docs/session.md) from fixed seeds, every byte deterministic (ML-DSA-65
 * signed without randomness), so another implementation can check itself
 * message by message, and handshakes that break one rule each
 * (session-invalid.ts). generate.ts (`npm run vectors`) calls
 * writeSessionVectors; test/session/vectors.test.ts runs every vector through
 * keydir's driver, test/vectors/reproducible.test.ts rebuilds the file.
 */
import { writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { selectPqCrypto } from '../../src/crypto/index.js'
import { INITIATOR_CONTEXT, NOISE_PROTOCOL_NAME, PROLOGUE_DOMAIN, RESPONDER_CONTEXT, SECURE_PROTOCOL_PREFIX } from '../../src/session/index.js'
import { invalidSessions, SESSION_OTHERS } from './session-invalid.js'
import { SESSION_SEEDS, sessionParties, sessionTranscript } from './session-transcript.js'
import type { PqCrypto } from '../../src/crypto/index.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const out = fileURLToPath(new URL('../../../test/vectors/session.json', import.meta.url))

export async function sessionVectors (crypto: PqCrypto): Promise<Record<string, unknown>> {
  const { initiator, responder } = await sessionParties()
  const t = await sessionTranscript(crypto)
  return {
    description: 'keydir secure-session golden vectors (Noise NNhfs, X25519 + ML-KEM-768, ML-DSA-65 identities); format: docs/session.md',
    noiseProtocolName: NOISE_PROTOCOL_NAME,
    wireProtocol: SECURE_PROTOCOL_PREFIX + SESSION_SEEDS.protocol,
    prologueDomain: PROLOGUE_DOMAIN,
    contexts: { responder: RESPONDER_CONTEXT, initiator: INITIATOR_CONTEXT },
    inputs: {
      protocol: SESSION_SEEDS.protocol,
      initiatorEd25519SeedHex: hex(SESSION_SEEDS.initiatorEd25519),
      responderEd25519SeedHex: hex(SESSION_SEEDS.responderEd25519),
      initiatorPeerId: initiator.peerId.toString(),
      responderPeerId: responder.peerId.toString(),
      initiatorMlDsaSeedHex: hex(SESSION_SEEDS.initiatorMlDsa),
      responderMlDsaSeedHex: hex(SESSION_SEEDS.responderMlDsa),
      initiatorMlDsaPublicKeyHex: hex(initiator.signer.publicKey),
      responderMlDsaPublicKeyHex: hex(responder.signer.publicKey),
      mlDsaSigning: 'deterministic (FIPS 204 hedged variant off: rnd = 32 zero bytes)',
      initiatorX25519PrivateHex: hex(SESSION_SEEDS.initiatorX25519),
      responderX25519PrivateHex: hex(SESSION_SEEDS.responderX25519),
      initiatorMlKemSeedHex: hex(SESSION_SEEDS.initiatorMlKem),
      encapsulationRandomnessHex: hex(SESSION_SEEDS.encapsulation),
      initiatorSampleHex: hex(SESSION_SEEDS.initiatorSample),
      responderSampleHex: hex(SESSION_SEEDS.responderSample)
    },
    prologueHex: hex(t.prologue),
    message1Hex: hex(t.message1),
    message2Hex: hex(t.message2),
    message3Hex: hex(t.message3),
    message4Hex: hex(t.message4),
    responderSignedHashHex: hex(t.responderSignedHash),
    handshakeHashHex: hex(t.handshakeHash),
    responderSignatureHex: hex(t.responderSignature),
    initiatorSignatureHex: hex(t.initiatorSignature),
    initiatorSampleFrameHex: hex(t.initiatorSampleFrame),
    responderSampleFrameHex: hex(t.responderSampleFrame),
    others: {
      thirdEd25519SeedHex: hex(SESSION_OTHERS.thirdEd25519),
      strangerMlDsaSeedHex: hex(SESSION_OTHERS.strangerMlDsa)
    },
    invalid: await invalidSessions(crypto, t)
  }
}

export async function writeSessionVectors (): Promise<string> {
  await writeFile(out, JSON.stringify(await sessionVectors(selectPqCrypto()), null, 2) + '\n')
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(`wrote ${await writeSessionVectors()}`)
