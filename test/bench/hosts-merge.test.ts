import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { earlierRuns, keptBeside, type HostsRun, type Pacing } from '../../bench/hosts.js'
import type { NetworkRun } from '../../bench/network.js'

/** A run as bench/hosts.ts writes it into data.runs: its layout, packets and time beside the network run's fields. */
function savedRun (nodes: number, kind: 'keydir' | 'ipns', commit?: string, pacing?: Pacing, hostFlags?: string[]): Record<string, unknown> {
  return { ...(hostFlags === undefined ? {} : { hostFlags }), layout: { nodes, hosts: 4, procsPerHost: 1, procs: 4, maxNodesPerProcess: 25 }, packets: { received: 10, dropped: 0 }, wallMs: 1000, ...(commit === undefined ? {} : { commit, date: '2026-12-07T01:00:00.000Z' }), ...(pacing === undefined ? {} : { pacing }), kind, nodes, procs: 4, paths: {} }
}

function thisRun (nodes: number, kind: 'keydir' | 'ipns'): HostsRun {
  return { layout: { nodes, hosts: 4, procsPerHost: 5, procs: 20, maxNodesPerProcess: 50 }, packets: { received: 0, dropped: 0 }, wallMs: 0, commit: 'now', date: '', pacing: { joinRate: 10, publishConcurrency: 4 }, hostFlags: [], run: { kind, nodes, procs: 20, paths: {} } as unknown as NetworkRun }
}

describe('hosts bench --merge', () => {
  let dir: string
  let file: URL
  const settings = { hosts: 4, rttMs: 20, loss: 0.001 }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keydir-hosts-merge-'))
    file = pathToFileURL(join(dir, 'hosts.json'))
    await writeFile(file, JSON.stringify({
      environment: { commit: 'old', date: '2026-12-06T23:13:00.000Z' },
      data: { ...settings, joinRate: 10, publishConcurrency: 4, runs: [savedRun(100, 'keydir'), savedRun(100, 'ipns'), savedRun(1000, 'keydir', 'k1000', { joinRate: 2, publishConcurrency: 1 }, ['--heap-growing-percent=20'])] }
    }))
  })

  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('keeps the runs this one does not redo, each with its own commit (the report\'s when it has none)', async () => {
    const kept = keptBeside(await earlierRuns(file, settings), [thisRun(1000, 'ipns'), thisRun(100, 'ipns')])
    assert.deepEqual(kept.map(r => [r.layout.nodes, r.run.kind, r.commit]), [[100, 'keydir', 'old'], [1000, 'keydir', 'k1000']])
    assert.equal(kept[0].date, '2026-12-06T23:13:00.000Z')
    assert.equal(kept[0].wallMs, 1000)
    assert.equal((kept[0].run as unknown as { layout?: unknown }).layout, undefined, 'the layout is the kept run\'s, not a field of its network run')
  })

  it('a kept run keeps its own join rate and publish concurrency (the file\'s, for a run saved without them)', async () => {
    const kept = await earlierRuns(file, settings)
    assert.deepEqual(kept.map(r => [r.layout.nodes, r.run.kind, r.pacing]), [
      [100, 'keydir', { joinRate: 10, publishConcurrency: 4 }],
      [100, 'ipns', { joinRate: 10, publishConcurrency: 4 }],
      [1000, 'keydir', { joinRate: 2, publishConcurrency: 1 }]
    ])
    assert.equal((kept[2].run as unknown as { pacing?: unknown }).pacing, undefined, 'the pacing is the kept run\'s, not a field of its network run')
  })

  it('a kept run keeps the host processes\' V8 flags it ran with (none, for a run saved without them)', async () => {
    const kept = await earlierRuns(file, settings)
    assert.deepEqual(kept.map(r => r.hostFlags), [[], [], ['--heap-growing-percent=20']])
    assert.equal((kept[2].run as unknown as { hostFlags?: unknown }).hostFlags, undefined, 'the flags are the kept run\'s, not a field of its network run')
  })

  it('reads a CPU per resolve saved as unknown (null) back as NaN, not 0', async () => {
    const saved = { ...savedRun(400, 'keydir'), paths: { dht: { cpuMsPerResolve: null, bytesPerResolve: 1 }, direct: { cpuMsPerResolve: 12, bytesPerResolve: 1 } } }
    const file400 = pathToFileURL(join(dir, 'cpu.json'))
    await writeFile(file400, JSON.stringify({ environment: { commit: 'c', date: 'd' }, data: { ...settings, runs: [saved] } }))
    const [kept] = await earlierRuns(file400, settings)
    assert.ok(Number.isNaN(kept.run.paths.dht?.cpuMsPerResolve))
    assert.equal(kept.run.paths.direct?.cpuMsPerResolve, 12)
  })

  it('keeps nothing measured over other hosts, RTT or loss, or when there is no file', async () => {
    assert.deepEqual(await earlierRuns(file, { ...settings, rttMs: 50 }), [])
    assert.deepEqual(await earlierRuns(file, { ...settings, hosts: 8 }), [])
    assert.deepEqual(await earlierRuns(file, { ...settings, loss: 0 }), [])
    assert.deepEqual(await earlierRuns(pathToFileURL(join(dir, 'none.json')), settings), [])
  })
})
