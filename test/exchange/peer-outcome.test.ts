import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ExchangeError, RegistryError } from '../../src/errors.js'
import { failedExchangeOutcome } from '../../src/exchange/peer-outcome.js'

describe('failedExchangeOutcome: what a failed exchange says about the peer', () => {
  it('a reset without an answer is refused; an old answer stale; any other protocol failure invalid', () => {
    assert.equal(failedExchangeOutcome(new ExchangeError('ERR_REFUSED_BY_PEER', ''), false), 'refused')
    assert.equal(failedExchangeOutcome(new ExchangeError('ERR_STALE_TIMESTAMP', ''), false), 'stale')
    assert.equal(failedExchangeOutcome(new ExchangeError('ERR_RECORD_EXPIRED', ''), false), 'stale')
    for (const code of ['ERR_BAD_RESPONSE_SIGNATURE', 'ERR_NONCE_MISMATCH', 'ERR_MESSAGE_MALFORMED', 'ERR_MESSAGE_TOO_LARGE', 'ERR_BAD_ML_DSA_SIGNATURE', 'ERR_PEER_ID_MISMATCH']) {
      assert.equal(failedExchangeOutcome(new ExchangeError(code, ''), false), 'invalid', code)
    }
  })

  it('no answer at all is a timeout', () => {
    assert.equal(failedExchangeOutcome(new DOMException('timed out', 'TimeoutError'), false), 'timeout')
    assert.equal(failedExchangeOutcome(Object.assign(new Error('connect ECONNREFUSED'), { name: 'DialError' }), false), 'timeout')
  })

  it('notes nothing when the caller gave up, another peer answered, or the error is this node\'s own', () => {
    assert.equal(failedExchangeOutcome(new ExchangeError('ERR_BAD_RESPONSE_SIGNATURE', ''), true), undefined)
    assert.equal(failedExchangeOutcome(new DOMException('aborted', 'AbortError'), true), undefined)
    assert.equal(failedExchangeOutcome(new ExchangeError('ERR_WRONG_RESPONDER', ''), false), undefined)
    assert.equal(failedExchangeOutcome(new RegistryError('ERR_NOT_OPEN', ''), false), undefined)
  })
})
