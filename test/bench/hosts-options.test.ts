import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { parseHostsArgs } from '../../bench/hosts.js'
import { DEFAULT_PUBLISH_CONCURRENCY, parseKinds } from '../../bench/network.js'

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url))

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

describe('bench options', () => {
  it('--kinds takes the known networks and refuses another, naming them', () => {
    assert.deepEqual(parseHostsArgs(['hosts', '--kinds', 'ipns']).kinds, ['ipns'])
    assert.equal(parseHostsArgs(['hosts']).kinds, undefined)
    assert.throws(() => parseHostsArgs(['hosts', '--kinds', 'ipfs']), /--kinds ipfs: choose from keydir, ipns/)
    assert.throws(() => parseKinds('keydir,'), /choose from/)
  })

  it('the bench runner prints its usage for --help and refuses an unknown option, running nothing', () => {
    const help = spawnSync(process.execPath, [RUN, 'hosts', '--help'], { encoding: 'utf8' })
    assert.equal(help.status, 0)
    assert.match(help.stdout, /^usage: npm run bench/)
    assert.match(help.stdout, /--publish-concurrency/)
    assert.doesNotMatch(help.stdout, /## hosts/)
    const unknown = spawnSync(process.execPath, [RUN, 'hosts', '--node', '100'], { encoding: 'utf8' })
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /unknown option --node\n/)
    assert.doesNotMatch(unknown.stdout, /## hosts/)
  })
})
