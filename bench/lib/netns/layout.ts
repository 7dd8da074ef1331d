/**
 * How the hosts bench spreads N nodes over K hosts and their processes, and
 * whether the machine can hold them: the numbers behind its 1,000-node run.
 */
import { availableParallelism } from 'node:os'

/**
 * Nodes in one process, by default. Each node keeps up to libp2p's 300
 * connections (its connection manager's default; an idle one closes after
 * two minutes), one file each, plus two LevelDBs; a process may open 20,000
 * files here (and root in this container cannot raise that). With a
 * network spread over many processes nearly every connection ends in
 * another process, so 50 nodes stay under 16,000 files at worst; the
 * loopback bench's 60 would come too close. Fewer nodes per process would
 * cost memory: every process starts at about 120 MiB.
 */
export const DEFAULT_NODES_PER_PROCESS = 50
/**
 * RSS of one node once its routing table is full: it grows with the node's
 * connections (Noise, yamux and stream buffers each). Measured 18.9 MiB
 * after a full GC at 400 nodes over 4 hosts, 216 connections a node p50
 * (5d34ea7: per-node caches that grow with what they hold, yamux
 * keep-alive every 60 s on local networks, and the first full-table run
 * with --heap-growing-percent=20); 25.1 at 400 and 24.0 at 300 without
 * any of the three, and about 22 at 1,000 (about 190 connections a node; the
 * anchor's process 28 MiB a node) when those 1,000 nodes took all of this
 * machine's 24 GiB and the kernel killed a process. The 6.6 of the first
 * 1,000-node runs was one of mostly empty routing tables.
 */
const NODE_MIB = 19
/**
 * The run stops, cleaning up, once the machine has less memory available
 * than this: a network goes on growing after the start's check (a
 * 1,000-node one by about 0.2 GiB a minute through its publish and
 * resolves, session 23), and the kernel's out-of-memory killer ends a
 * process without cleaning up. Read every 5 s, so this leaves room for
 * a few readings of that growth, and for the machine's own processes.
 */
export const MEMORY_FLOOR_MIB = 768
/** One host process before its first node (Node, libp2p and the bench loaded): 122 MiB measured. */
const PROCESS_MIB = 125

export interface HostsLayout {
  nodes: number
  hosts: number
  /** Processes in each host's namespace. */
  procsPerHost: number
  /** All processes; process i runs in host i % hosts, so every host holds nearly the same number of nodes. */
  procs: number
  /** Nodes in the largest process. */
  maxNodesPerProcess: number
}

export function hostsLayout (nodes: number, hosts: number, nodesPerProcess: number): HostsLayout {
  const procsPerHost = Math.max(1, Math.ceil(nodes / hosts / nodesPerProcess))
  const procs = hosts * procsPerHost
  return { nodes, hosts, procsPerHost, procs, maxNodesPerProcess: Math.ceil(nodes / procs) }
}

/** Memory the network needs, MiB (one network at a time: keydir's, then IPNS's). */
export function neededMiB (layout: HostsLayout): number {
  return layout.nodes * NODE_MIB + layout.procs * PROCESS_MIB
}

/**
 * Refuse a network the machine's available memory cannot hold above the
 * run's floor (the guard would stop it part-way). process.availableMemory
 * is MemAvailable, or the container's cgroup limit if lower.
 */
export function checkMemory (layout: HostsLayout): void {
  const need = neededMiB(layout)
  const free = process.availableMemory() / 2 ** 20
  if (need + MEMORY_FLOOR_MIB > free) {
    throw new Error(`${layout.nodes} nodes in ${layout.procs} processes need about ${Math.round(need / 1024)} GiB, with ${MEMORY_FLOOR_MIB} MiB kept free, and this machine has ${(free / 1024).toFixed(1)} GiB available: run fewer nodes, or on a quieter or larger machine`)
  }
}

/**
 * Nodes a core carried in the largest network that held here: 400 on 2
 * cores, 0.60 of them busy at rest, every resolve answered (5d34ea7). At
 * 1,000 on 2 (83aae3b) every host process waited in the run queue 92% of
 * the time and 38 resolves took 7 minutes (docs/benchmarks.md).
 */
const NODES_PER_CORE_HELD = 200

/** What to say before a network with more nodes a core than held here: it runs, but its latencies would measure the run queue. */
export function cpuWarning (layout: HostsLayout, cores = availableParallelism()): string | undefined {
  if (layout.nodes <= NODES_PER_CORE_HELD * cores) return undefined
  return `warning: ${layout.nodes} nodes on ${cores} cores is more than the ${NODES_PER_CORE_HELD} a core that held here; ` +
    '1,000 on 2 cores left every host process waiting for CPU (docs/benchmarks.md). Expect timeouts, and latencies that measure the machine.'
}
