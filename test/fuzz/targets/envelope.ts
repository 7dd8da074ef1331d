import fc from 'fast-check'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { selectPqCrypto } from '../../../src/crypto/index.js'
import { marshalEnvelope, unmarshalEnvelope } from '../../../src/envelope/index.js'
import { envelopeParties, recipientEnvelopes } from '../../vectors/envelope-parties.js'
import { envelopeVectors } from '../../vectors/generate-envelope.js'
import { attempt, attemptAsync, Outcomes } from '../harness.js'
import { hostileCase } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'

const ENVELOPE_ERRORS = ['EnvelopeError', 'ResolveError']
const fromHex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))

/**
 * unmarshalEnvelope and Envelopes.open (as the vectors' recipient, with a
 * directory of the two parties) over mutated envelopes, valid and invalid
 * vectors as seeds, and noise: every refusal an EnvelopeError (or the
 * resolve's error) with a code; anything decoded is its own canonical
 * encoding; anything opened is, byte for byte, an envelope the sender
 * sealed (no mutation opens, not even to other data); inputs are never
 * modified.
 */
export const envelopeTarget: FuzzTarget = {
  name: 'envelope',
  description: 'unmarshalEnvelope + Envelopes.open on mutated sealed envelopes (valid and invalid vectors) and noise',
  ciRuns: 600,
  async prepare () {
    const crypto = selectPqCrypto()
    const vectors = await envelopeVectors(crypto) as { valid: Array<{ envelopeHex: string, dataHex: string }>, invalid: Array<{ envelopeHex: string | null }> }
    const { recipient, sender } = await envelopeParties(crypto)
    const envelopes = recipientEnvelopes(crypto, recipient, [recipient, sender])
    const valid = vectors.valid.map(v => ({ envelope: fromHex(v.envelopeHex), data: fromHex(v.dataHex) }))
    const seeds = [...valid.map(v => v.envelope), ...vectors.invalid.flatMap(v => v.envelopeHex === null ? [] : [fromHex(v.envelopeHex)])]
    const outcomes = new Outcomes()
    const property = fc.asyncProperty(hostileCase(seeds, { maxNoise: 4096 }), async ({ bytes }) => {
      const input = bytes.slice()
      const decoded = attempt(outcomes, 'unmarshal', () => unmarshalEnvelope(bytes), ENVELOPE_ERRORS)
      if (decoded.ok && !uint8ArrayEquals(marshalEnvelope(decoded.value), bytes)) throw new Error('decoded an envelope whose bytes are not its canonical encoding')
      const opened = await attemptAsync(outcomes, 'open', async () => envelopes.open(bytes), ENVELOPE_ERRORS)
      if (opened.ok) {
        const sealed = valid.find(v => uint8ArrayEquals(v.envelope, bytes))
        if (sealed === undefined) throw new Error('opened bytes that are not an envelope the sender sealed')
        if (!opened.value.from.equals(sender.peerId) || !uint8ArrayEquals(opened.value.data, sealed.data)) throw new Error('opened to another sender or other data')
      }
      if (!uint8ArrayEquals(input, bytes)) throw new Error('open changed its input')
    })
    return { property, outcomes }
  }
}
