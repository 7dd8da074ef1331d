import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, test } from 'node:test'
import { guardTopology, lockPath, MissingToolError, nodesDirOf, onPath } from '../../bench/lib/netns/guard.js'
import { checkRtt } from '../../bench/lib/netns/rtt-check.js'
import { createTopology, execIn, listNamespaces, overlaps, removeTopology, running } from '../../bench/lib/netns/topology.js'

/** Not the bench's own prefix, so a test never touches a bench run's namespaces. */
const PREFIX = 'kdbt-'
const HOLDER = fileURLToPath(new URL('./fixtures/netns-holder.js', import.meta.url))
const root = process.getuid?.() === 0
const skip = !root ? 'needs root (network namespaces); CI runs as root' : !onPath('iptables') ? 'needs iptables (Debian: apt-get install iptables); .ci/run installs it' : false

/** Whether Node and this clone's modules can be run as uid 65534, which the no-root check needs. */
function runsAsNobody (): boolean {
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', `await import('${new URL('../../bench/lib/netns/guard.js', import.meta.url).href}')`], { uid: 65534, gid: 65534, stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Start the holder (a stand-in bench run) and wait until its hosts and their
 * sleeping process are up. `exited` is listened for from the start: a holder
 * that ends on its own may exit right after its line.
 */
async function startHolder (deadlineMs?: number, memoryFloorMiB?: number): Promise<{ child: ReturnType<typeof spawn>, sleeper: number, exited: Promise<unknown[]> }> {
  const args = [deadlineMs === undefined ? '-' : String(deadlineMs), ...(memoryFloorMiB === undefined ? [] : [String(memoryFloorMiB)])]
  const child = spawn(process.execPath, [HOLDER, PREFIX, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = once(child, 'exit')
  const [line] = await once(child.stdout, 'data') as [Buffer]
  return { child, sleeper: Number(line.toString().trim()), exited }
}

describe('overlaps', () => {
  test('tells networks that share an address from ones that do not', () => {
    assert.equal(overlaps('10.213.5.0/24', '10.213.0.0/16'), true)
    assert.equal(overlaps('10.0.0.0/8', '10.213.0.0/16'), true)
    assert.equal(overlaps('10.213.0.7', '10.213.0.0/16'), true)
    assert.equal(overlaps('10.214.0.0/16', '10.213.0.0/16'), false)
    assert.equal(overlaps('192.0.2.0/24', '10.213.0.0/16'), false)
  })
})

describe('onPath', () => {
  test('finds an executable in a PATH directory, not a plain file or a missing name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keydir-onpath-'))
    try {
      writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 })
      writeFileSync(join(dir, 'data'), '', { mode: 0o644 })
      assert.equal(onPath('tool', `/nonexistent:${dir}`), true)
      assert.equal(onPath('data', dir), false)
      assert.equal(onPath('absent', dir), false)
      assert.equal(onPath('tool', ''), false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('hosts bench namespaces', { skip }, () => {
  after(() => { removeTopology(PREFIX) })

  test('refuses to run without root, saying so', async (t) => {
    if (!runsAsNobody()) {
      t.skip('this clone is not readable by uid 65534 (a parent directory of mode 0700, as a mktemp clone has)')
      return
    }
    const guard = new URL('../../bench/lib/netns/guard.js', import.meta.url).href
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { guardTopology } from '${guard}'; try { guardTopology({ prefix: '${PREFIX}' }) } catch (err) { console.error(err.message); process.exit(2) }`], { uid: 65534, gid: 65534, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', chunk => { stderr += String(chunk) })
    const [code] = await once(child, 'exit')
    assert.equal(code, 2)
    assert.match(stderr, /needs root/)
    assert.deepEqual(listNamespaces(PREFIX), [])
  })

  test('refuses to start without iptables, naming the package, before it makes anything', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'keydir-path-'))
    const path = process.env.PATH
    t.after(() => {
      process.env.PATH = path
      rmSync(dir, { recursive: true, force: true })
    })
    // A PATH with `ip` and nothing else.
    const ip = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim()
    symlinkSync(ip, join(dir, 'ip'))
    process.env.PATH = dir
    assert.throws(() => guardTopology({ prefix: PREFIX }), (err: Error) => err instanceof MissingToolError && /iptables.*apt-get install iptables/.test(err.message))
    process.env.PATH = path
    assert.equal(existsSync(lockPath(PREFIX)), false)
    assert.deepEqual(listNamespaces(PREFIX), [])
  })

  test('hosts have one address of the subnet each, no route out, and a loss rule', () => {
    const topology = createTopology({ hosts: 3, loss: 0.001, prefix: PREFIX })
    try {
      assert.deepEqual(listNamespaces(PREFIX).sort(), [`${PREFIX}h0`, `${PREFIX}h1`, `${PREFIX}h2`, `${PREFIX}sw`])
      for (const host of topology.hosts) {
        const addresses = execIn(host.ns, 'ip', ['-o', 'addr', 'show']).split('\n').filter(Boolean).map(line => line.split(/\s+/)[3])
        assert.deepEqual(addresses, ['127.0.0.1/8', `${host.address}/16`])
        assert.equal(execIn(host.ns, 'ip', ['route', 'show']).trim().split('\n').length, 1, 'only the subnet\'s own route')
        // The machine's own gateway and the world are unreachable from a host.
        assert.throws(() => execIn(host.ns, 'ip', ['route', 'get', '192.0.2.1']))
        assert.throws(() => execIn(host.ns, 'ip', ['route', 'get', '8.8.8.8']))
        assert.match(execIn(host.ns, 'iptables', ['-S', 'INPUT']), /-i eth0 -m statistic --mode random --probability 0\.00\d+ -j DROP/)
      }
    } finally {
      removeTopology(PREFIX)
    }
    assert.deepEqual(listNamespaces(PREFIX), [])
  })

  test('a round trip between two hosts takes at least the configured delay', async () => {
    const topology = createTopology({ hosts: 2, loss: 0, prefix: PREFIX })
    try {
      const check = await checkRtt(topology.hosts[0], topology.hosts[1], 20, 5)
      assert.equal(check.samples.length, 5)
      assert.ok(check.minMs >= 20, `round trip ${check.minMs} ms`)
      // The dial's first write pays the SYN's round trip as well.
      assert.ok(check.firstMs >= 40, `first round trip ${check.firstMs} ms`)
    } finally {
      removeTopology(PREFIX)
    }
  })

  test('a run killed with SIGKILL leaves its namespaces and node directories, and the next start removes them', async () => {
    const { child, sleeper } = await startHolder()
    child.kill('SIGKILL')
    await once(child, 'exit')
    assert.deepEqual(listNamespaces(PREFIX).sort(), [`${PREFIX}h0`, `${PREFIX}h1`, `${PREFIX}sw`])
    assert.ok(running(sleeper), 'the killed run\'s process in its namespace lives on')
    assert.deepEqual(readdirSync(nodesDirOf(PREFIX)), ['keydir-bench-keydir-node0'])

    const guard = guardTopology({ prefix: PREFIX })
    try {
      assert.deepEqual(guard.stale.sort(), [`${PREFIX}h0`, `${PREFIX}h1`, `${PREFIX}sw`])
      assert.deepEqual(listNamespaces(PREFIX), [])
      assert.equal(running(sleeper), false)
      assert.equal(guard.staleNodeDirs, 1)
      assert.deepEqual(readdirSync(guard.nodesDir), [], 'the new run starts with an empty nodes directory')
    } finally {
      guard.release()
    }
    assert.equal(existsSync(lockPath(PREFIX)), false)
    assert.equal(existsSync(nodesDirOf(PREFIX)), false)
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`a run stopped with ${signal} removes its namespaces and its processes`, async () => {
      const { child, sleeper } = await startHolder()
      assert.equal(listNamespaces(PREFIX).length, 3)
      child.kill(signal)
      const [code] = await once(child, 'exit')
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130)
      assert.deepEqual(listNamespaces(PREFIX), [])
      assert.equal(running(sleeper), false)
      assert.equal(existsSync(lockPath(PREFIX)), false)
      assert.equal(existsSync(nodesDirOf(PREFIX)), false, 'the nodes\' directories go with the namespaces')
    })
  }

  test('a run past its deadline ends and removes its namespaces', async () => {
    const { exited } = await startHolder(1500)
    const [code] = await exited
    assert.equal(code, 3)
    assert.deepEqual(listNamespaces(PREFIX), [])
    assert.equal(existsSync(nodesDirOf(PREFIX)), false)
  })

  test('a run whose machine has less memory available than its floor ends and removes its namespaces', async () => {
    // A floor no machine meets: the first reading ends the run.
    const { exited } = await startHolder(undefined, Number.MAX_SAFE_INTEGER)
    const [code] = await exited
    assert.equal(code, 4)
    assert.deepEqual(listNamespaces(PREFIX), [])
    assert.equal(existsSync(nodesDirOf(PREFIX)), false)
  })

  test('a second run is refused while the first holds the namespaces', async () => {
    const { child } = await startHolder()
    try {
      assert.throws(() => guardTopology({ prefix: PREFIX }), /another hosts bench \(process \d+\) is running/)
      assert.equal(listNamespaces(PREFIX).length, 3, 'the running one keeps its namespaces')
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  })

  test('the machine\'s own namespace gets nothing: no link or address of the bench', () => {
    createTopology({ hosts: 2, loss: 0.001, prefix: PREFIX })
    try {
      const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
      assert.doesNotMatch(links, /br0|veth|eth0@/)
      assert.doesNotMatch(execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' }), /10\.213\./)
    } finally {
      removeTopology(PREFIX)
    }
  })
})
