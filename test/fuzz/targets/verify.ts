import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { evidenceJson, ownRecordJson, revocationJson } from '../../../src/api/index.js'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { marshalEnvelope } from '../../../src/envelope/index.js'
import { checkFile, complete, detectFile, firstFailure, holds, recipientKeysOf, strictBase64, type DetectedFile } from '../../../src/offline/index.js'
import { createRevocation } from '../../../src/record/index.js'
import { makeEquivocation } from '../../helpers/evidence.js'
import { ENVELOPE_SEEDS, envelopeParties } from '../../vectors/envelope-parties.js'
import { envelopeVectors } from '../../vectors/generate-envelope.js'
import { corpus, hex } from '../corpus.js'
import { attempt, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'

const minute = 60_000
const DETECT_ERRORS = ['UnverifiableFileError']
const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const fromHex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))

/** The bytes a detected file carries, whatever form it came in. */
function carried (file: DetectedFile): Uint8Array {
  switch (file.kind) {
    case 'key-record': return file.record.bytes
    case 'revocation': return file.revocation.bytes
    case 'equivocation-proof': return file.proof.bytes
    case 'envelope': return marshalEnvelope(file.envelope)
  }
}

/**
 * `keydir verify`'s detection and checks (src/offline) over mutated files
 * of every kind in every form (the bytes, their base64, the API's JSON),
 * and noise: detection refuses only with UnverifiableFileError; what it
 * finds in the bytes form is the input itself, in the base64 form what the
 * base64 holds; the checks never throw; a file is found valid only when
 * its bytes are, byte for byte, a file their signer made (no mutation of a
 * record, certificate, proof or envelope, nor of the JSON around it,
 * passes); inputs are never modified. Envelopes are checked as the
 * envelope vectors' recipient, with the sender's record.
 */
export const verifyFileTarget: FuzzTarget = {
  name: 'verify-file',
  description: 'keydir verify\'s detectFile + checkFile (record, revocation, proof, envelope as the vectors\' recipient) on mutated files in bytes, base64 and JSON, and noise',
  ciRuns: 500,
  async prepare () {
    const c = await corpus()
    const crypto = selectPqCrypto()
    const [a] = c.peers
    const revocation = await createRevocation({ privateKey: a.privateKey, mlDsaSigner: a.mlDsaSigner, issuedAt: c.now - minute })
    const proof = await makeEquivocation(a, 3, c.now - minute)
    const vectors = await envelopeVectors(crypto) as { valid: Array<{ envelopeHex: string }>, invalid: Array<{ envelopeHex: string | null, error: string }> }
    const { recipient, sender } = await envelopeParties(crypto)
    const recipientKeys = recipientKeysOf({ peerId: recipient.peerId, kemSeed: recipient.kemSeed, retiredKem: [] }, 'the vectors\' recipient', 7 * 24 * 60 * minute)
    // The vectors' records are issued at a fixed time: their envelopes are checked an hour after it.
    const envelopeAt = ENVELOPE_SEEDS.issuedAt + 60 * minute

    // Made by their signers: every record, the certificate, the proof, the envelopes the sender sealed (one names a seq above the
    // recipient's newest record, which only its node can tell: the checker lists that as not checked).
    const made = [
      ...c.records.map(record => record.bytes), revocation.bytes, proof.bytes,
      ...vectors.valid.map(v => fromHex(v.envelopeHex)),
      ...vectors.invalid.flatMap(v => v.error === 'ERR_ENVELOPE_KEY_UNKNOWN' && v.envelopeHex !== null ? [fromHex(v.envelopeHex)] : [])
    ]
    const valid = new Set(made.map(hex))
    const base64 = (bytes: Uint8Array): Uint8Array => text(Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\n'))
    const seeds = [
      ...made,
      ...made.map(base64),
      ...vectors.invalid.flatMap(v => v.envelopeHex === null ? [] : [fromHex(v.envelopeHex)]),
      text(JSON.stringify(ownRecordJson(c.records[7]))),
      text(JSON.stringify({ revocations: [revocationJson(revocation)] })),
      text(JSON.stringify(evidenceJson(proof), null, 2))
    ]
    const outcomes = new Outcomes()
    const property = fc.asyncProperty(hostileCase(seeds, { maxNoise: 1024 }), async ({ bytes }) => {
      const input = bytes.slice()
      const detected = attempt(outcomes, 'detect', () => detectFile(bytes), DETECT_ERRORS)
      if (detected.ok) {
        const file = detected.value
        const inside = carried(file)
        if (file.form === 'bytes' && !uint8ArrayEquals(inside, bytes)) throw new Error('found a file in the bytes that is not the bytes')
        if (file.form === 'base64' && !uint8ArrayEquals(inside, strictBase64(Buffer.from(bytes).toString('latin1')) ?? new Uint8Array(0))) {
          throw new Error('found a file in the base64 that is not what the base64 holds')
        }
        const envelope = file.kind === 'envelope'
        // Checks report failures as checks: anything thrown fails the property.
        const list = await checkFile(file, { crypto, at: envelope ? envelopeAt : c.now, ...(envelope ? { recipient: recipientKeys, senderRecord: sender.record } : {}) })
        const verdict = holds(list) ? complete(list) ? 'valid' : 'incomplete' : firstFailure(list)?.code
        outcomes.add(`check ${file.kind}: ${verdict ?? 'ERR_UNEXPECTED'}`)
        if (verdict === 'valid' && !valid.has(hex(inside))) throw new Error(`a ${file.kind} passed every check but is no file its signer made`)
      }
      if (!uint8ArrayEquals(input, bytes)) throw new Error('detection or a check changed its input')
    })
    return { property, outcomes }
  }
}
