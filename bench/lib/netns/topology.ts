/**
 * The hosts bench's network (bench/hosts.ts): K network namespaces, each a
 * "host" with one veth link onto a bridge that lives in a namespace of its
 * own (the "switch"), addresses from one private subnet, no default route.
 * Nothing is created in the machine's own namespace: the switch namespace has
 * no link out, so no packet can leave the bench's links, and deleting the
 * namespaces removes every link, the bridge and the loss rules with them.
 * Every name starts with one prefix, so a set left by a killed run is found
 * and removed at the next start.
 *
 * Root only; each step runs `ip` (iproute2) or `iptables` synchronously, so
 * that the teardown also works from an `exit` handler.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** The prefix of everything the bench creates: namespaces `kdb-sw` and `kdb-h0`, `kdb-h1`, ... */
export const NETNS_PREFIX = 'kdb-'
/**
 * The bench's subnet: host i is 10.213.0.(i + 1). A /16 of RFC 1918 space
 * unlikely to be used by anything else; checked against the machine's own
 * addresses and routes before the bench starts.
 */
export const BENCH_SUBNET = { base: '10.213.0.0', prefixLength: 16 }
/** One host per address in 10.213.0.1-250 (a host's address is also its veth's). */
export const MAX_HOSTS = 250

export interface NetnsHost {
  /** The namespace's name. */
  ns: string
  /** Its one address, on its `eth0`. */
  address: string
}

export interface Topology {
  prefix: string
  switchNs: string
  hosts: NetnsHost[]
  /** Share of packets each host drops as they arrive from the bridge (0.001 = 0.1%). */
  loss: number
}

export interface TopologyInit {
  hosts: number
  /** Share of packets dropped on arrival at each host, 0 to 1. */
  loss: number
  prefix?: string
}

function run (command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** `ip` inside a namespace. */
function ipIn (ns: string, args: string[]): string {
  return run('ip', ['-n', ns, ...args])
}

/** A command inside a namespace (`ip netns exec`). */
export function execIn (ns: string, command: string, args: string[]): string {
  return run('ip', ['netns', 'exec', ns, command, ...args])
}

export function hostAddress (index: number): string {
  return `10.213.0.${index + 1}`
}

/** Whether an IPv4 address is in the bench's subnet. */
export function inBenchSubnet (address: string): boolean {
  return address.startsWith('10.213.') || address.startsWith('::ffff:10.213.')
}

/** The namespaces whose names start with `prefix`. */
export function listNamespaces (prefix = NETNS_PREFIX): string[] {
  // `ip netns list` prints "name" or "name (id: N)", one a line.
  return run('ip', ['netns', 'list']).split('\n').map(line => line.split(' ')[0]).filter(name => name.startsWith(prefix))
}

/** The processes inside a namespace (the bench's own host processes, or ones a killed run left). */
export function namespacePids (ns: string): number[] {
  try {
    return run('ip', ['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/**
 * Remove every namespace named with `prefix`: first end the processes in
 * them (a namespace lives on while a process is inside it), then delete it.
 * Returns the names removed. Safe to call when there are none.
 */
export function removeTopology (prefix = NETNS_PREFIX): string[] {
  const names = listNamespaces(prefix)
  const pids = names.flatMap(namespacePids)
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
  }
  waitGone(pids)
  for (const ns of names) {
    try { run('ip', ['netns', 'del', ns]) } catch { /* raced with another removal */ }
  }
  return names
}

/**
 * Whether a process still runs: it exists and is not a zombie (one that has
 * exited and waits for its parent, perhaps this very process, to reap it).
 */
export function running (pid: number): boolean {
  try {
    // /proc/PID/stat: "pid (name) state ...", the name may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** Wait (up to 5 s) until the processes have exited, so their namespaces can really go. */
function waitGone (pids: number[]): void {
  const until = Date.now() + 5000
  let alive = pids.filter(running)
  while (alive.length > 0 && Date.now() < until) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
    alive = alive.filter(running)
  }
}

/** Whether two IPv4 networks ("a.b.c.d/len", or one address) share any address. */
export function overlaps (a: string, b: string): boolean {
  const parse = (cidr: string): [number, number] => {
    const [ip, len] = cidr.split('/')
    return [ip.split('.').reduce((n, octet) => (n << 8 | Number(octet)) >>> 0, 0), len === undefined ? 32 : Number(len)]
  }
  const [ipA, lenA] = parse(a)
  const [ipB, lenB] = parse(b)
  const len = Math.min(lenA, lenB)
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0
  return ((ipA & mask) >>> 0) === ((ipB & mask) >>> 0)
}

/**
 * Refuse the bench's subnet when the machine already uses any of it: an
 * address, or a route other than the default one, of the machine's own
 * namespace that overlaps 10.213.0.0/16.
 */
export function checkSubnetUnused (): void {
  const subnet = `${BENCH_SUBNET.base}/${BENCH_SUBNET.prefixLength}`
  const ipv4 = /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/
  const addresses = run('ip', ['-o', '-4', 'addr', 'show']).split('\n').flatMap(line => {
    const cidr = line.split(/\s+/)[3]
    return cidr !== undefined && ipv4.test(cidr) && overlaps(cidr, subnet) ? [line.trim()] : []
  })
  // A route line starts with its destination, or with its type (local, broadcast, ...) and then the destination.
  const routes = run('ip', ['-4', 'route', 'show', 'table', 'all']).split('\n').filter(line => {
    const destination = line.split(/\s+/).slice(0, 2).find(token => ipv4.test(token))
    return destination !== undefined && overlaps(destination, subnet)
  })
  if (addresses.length > 0 || routes.length > 0) {
    throw new Error(`this machine already uses the hosts bench's subnet ${subnet} (${[...addresses, ...routes].map(s => s.trim()).join('; ')}): the bench will not share it; free it or run on another machine`)
  }
}

/**
 * Create the switch and K hosts. On a failure part-way, what was made is
 * removed before the error is thrown.
 */
export function createTopology (init: TopologyInit): Topology {
  const prefix = init.prefix ?? NETNS_PREFIX
  if (!Number.isInteger(init.hosts) || init.hosts < 2 || init.hosts > MAX_HOSTS) throw new Error(`hosts must be 2 to ${MAX_HOSTS}, got ${init.hosts}`)
  if (!(init.loss >= 0 && init.loss < 1)) throw new Error(`loss must be a share from 0 to below 1, got ${init.loss}`)
  const switchNs = `${prefix}sw`
  const hosts = Array.from({ length: init.hosts }, (_, i) => ({ ns: `${prefix}h${i}`, address: hostAddress(i) }))
  try {
    addNamespace(switchNs)
    ipIn(switchNs, ['link', 'add', 'br0', 'type', 'bridge'])
    ipIn(switchNs, ['link', 'set', 'br0', 'up'])
    hosts.forEach((host, i) => {
      addNamespace(host.ns)
      // Both ends are made in place: the pair never exists in the machine's own namespace.
      ipIn(switchNs, ['link', 'add', `h${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns])
      ipIn(switchNs, ['link', 'set', `h${i}`, 'master', 'br0', 'up'])
      ipIn(host.ns, ['addr', 'add', `${host.address}/${BENCH_SUBNET.prefixLength}`, 'dev', 'eth0'])
      ipIn(host.ns, ['link', 'set', 'eth0', 'up'])
      ipIn(host.ns, ['link', 'set', 'lo', 'up'])
      if (init.loss > 0) {
        // Real loss: the kernel drops a share of the packets arriving from the bridge, so TCP retransmits them.
        execIn(host.ns, 'iptables', ['-A', 'INPUT', '-i', 'eth0', '-m', 'statistic', '--mode', 'random', '--probability', String(init.loss), '-j', 'DROP'])
      }
    })
  } catch (err) {
    removeTopology(prefix)
    throw new Error(`could not build the hosts bench's namespaces: ${(err as { stderr?: string }).stderr?.trim() ?? (err as Error).message}`, { cause: err })
  }
  return { prefix, switchNs, hosts, loss: init.loss }
}

/**
 * A namespace with IPv6 off, so its links carry only the addresses the bench
 * gave them (no link-local autoconfiguration), and a wide range of local
 * ports: a host of 250 nodes listens on 250 of them and dials thousands of
 * connections from its one address.
 */
function addNamespace (ns: string): void {
  run('ip', ['netns', 'add', ns])
  execIn(ns, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.ip_local_port_range=10000 65000'])
}

/** Packets a host received on its link and packets its loss rule dropped, to report the loss that happened. */
export function lossCounters (host: NetnsHost): { received: number, dropped: number } {
  const stats = JSON.parse(ipIn(host.ns, ['-s', '-j', 'link', 'show', 'eth0'])) as Array<{ stats64?: { rx?: { packets?: number } } }>
  const rules = execIn(host.ns, 'iptables', ['-L', 'INPUT', '-v', '-x', '-n'])
  const drop = rules.split('\n').find(line => line.includes('statistic'))
  return { received: stats[0]?.stats64?.rx?.packets ?? 0, dropped: drop === undefined ? 0 : Number(drop.trim().split(/\s+/)[0]) }
}
