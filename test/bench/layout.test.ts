import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cpuWarning, hostsLayout, neededMiB } from '../../bench/lib/netns/layout.js'

describe('hosts bench layout', () => {
  it('spreads 1,000 nodes over 4 hosts in 20 processes of 50, and counts their memory', () => {
    const layout = hostsLayout(1000, 4, 50)
    assert.deepEqual(layout, { nodes: 1000, hosts: 4, procsPerHost: 5, procs: 20, maxNodesPerProcess: 50 })
    assert.equal(neededMiB(layout), 1000 * 19 + 20 * 125)
  })

  it('warns of a network with more nodes a core than held here, and only then', () => {
    assert.equal(cpuWarning(hostsLayout(400, 4, 50), 2), undefined)
    assert.match(cpuWarning(hostsLayout(1000, 4, 50), 2) ?? '', /^warning: 1000 nodes on 2 cores is more than the 200 a core/)
    assert.equal(cpuWarning(hostsLayout(1000, 4, 50), 8), undefined)
  })
})
