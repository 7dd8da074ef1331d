import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseHostsArgs } from '../../bench/hosts.js'
import { DEFAULT_PUBLISH_CONCURRENCY } from '../../bench/network.js'

describe('hosts bench options', () => {
  it('publishes DEFAULT_PUBLISH_CONCURRENCY at a time per process unless told otherwise', () => {
    assert.equal(parseHostsArgs(['hosts']).publishConcurrency, DEFAULT_PUBLISH_CONCURRENCY)
    assert.equal(parseHostsArgs(['hosts', '--publish-concurrency', '1']).publishConcurrency, 1)
    assert.equal(parseHostsArgs(['hosts', '--publish-concurrency=2']).publishConcurrency, 2)
  })

  it('refuses a publish concurrency that is not a whole number of 1 or more', () => {
    for (const bad of ['0', '-1', '1.5', 'many']) {
      assert.throws(() => parseHostsArgs(['hosts', '--publish-concurrency', bad]), /--publish-concurrency/)
    }
  })

  it('takes the join rate and the loss in percent', () => {
    const options = parseHostsArgs(['hosts', '--join-rate', '2', '--loss', '0.5'])
    assert.equal(options.joinRate, 2)
    assert.equal(options.loss, 0.005)
  })
})
