import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { nobleCrypto, selectPqCrypto } from '../../src/crypto/index.js'
import { envelopeParties, recipientEnvelopes } from '../vectors/envelope-parties.js'
import { envelopeVectors } from '../vectors/generate-envelope.js'

const file = fileURLToPath(new URL('../../../test/vectors/envelope.json', import.meta.url))
const fromHex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))

/**
 * test/vectors/envelope.json: rebuilt byte for byte from its seeds (with
 * native and portable ML-KEM), every valid envelope opens to its message
 * and sender, every invalid one is refused with the code it names.
 */
describe('envelope golden vectors', () => {
  for (const [name, crypto] of [['selected', selectPqCrypto()], ['noble', nobleCrypto]] as const) {
    it(`are what the generator makes from their seeds (${name} ML-KEM)`, async () => {
      const committed = JSON.parse(await readFile(file, 'utf8'))
      assert.deepEqual(JSON.parse(JSON.stringify(await envelopeVectors(crypto))), committed)
    })
  }

  it('open as documented: the valid ones to their message and sender, the invalid ones with their code', async () => {
    const vectors = JSON.parse(await readFile(file, 'utf8'))
    const crypto = selectPqCrypto()
    const { recipient, sender } = await envelopeParties(crypto)
    assert.equal(Buffer.from(recipient.record.bytes).toString('hex'), vectors.recipient.recordHex)
    const envelopes = recipientEnvelopes(crypto, recipient, [recipient, sender])
    for (const vector of vectors.valid) {
      const opened = await envelopes.open(fromHex(vector.envelopeHex))
      assert.equal(opened.from.toString(), vector.from, vector.name)
      assert.equal(Buffer.from(opened.data).toString('hex'), vector.dataHex, vector.name)
    }
    assert.ok(vectors.invalid.length >= 10)
    for (const vector of vectors.invalid) {
      await assert.rejects(envelopes.open(fromHex(vector.envelopeHex)), (err: any) => {
        assert.equal(err.code, vector.error, `${String(vector.name)}: ${String(err.message)}`)
        return true
      })
    }
  })
})
