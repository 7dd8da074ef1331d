import { selectPqCrypto } from '../../crypto/index.js'
import { loadIdentity } from '../../identity/index.js'
import { callApi, checkNodePeerId } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { formatDuration, formatRelative, printFields, printJson } from '../output.js'
import type { StatusJson } from '../../api/index.js'
import type { Command } from 'commander'

export function registerStatus (program: Command): void {
  program.command('status')
    .summary('the running node\'s PeerId, addresses, DHT size and counts')
    .description('Show the running node\'s PeerId, full multiaddrs (with /p2p/), keydir version and uptime, DHT routing table size, connections against the limit (maxConnections), registry counts, peer scores and own record.')
    .addOption(dirOption())
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: { dir?: string, json?: boolean }) => {
      const dataDir = dataDirOf(options)
      const status = await callApi<StatusJson>(dataDir, '/v1/status')
      checkNodePeerId(dataDir, status.peerId, (await loadIdentity(dataDir, { crypto: selectPqCrypto() })).peerId.toString())
      if (options.json === true) {
        printJson(status)
        return
      }
      printFields([
        ['PeerId', status.peerId],
        ...status.multiaddrs.map((ma, i): [string, string] => [i === 0 ? 'multiaddrs' : '', ma]),
        // A daemon from before issue 23 sends neither.
        ...(status.version === undefined ? [] : [['version', status.version] as [string, string]]),
        ...(status.uptimeMs === undefined ? [] : [['uptime', formatDuration(status.uptimeMs)] as [string, string]]),
        ['DHT peers', String(status.dhtSize)],
        // A daemon from before maxConnections sends no limit.
        ['connections', status.maxConnections === undefined ? String(status.connections) : connectionsLine(status.connections, status.maxConnections)],
        ['registry', `${status.registry.peers} peers, ${status.registry.verified} verified`],
        ['own record', status.record === null ? 'none yet' : `seq ${status.record.seq}, expires ${formatRelative(status.record.expiresAt)}`],
        // A daemon from before reputation sends no counts.
        ...(status.reputation === undefined ? [] : [['peer scores', `${status.reputation.peers} peers scored, ${status.reputation.belowThreshold} below the threshold`] as [string, string]]),
        ['crypto', status.crypto]
      ])
    })
}

/** Connections against the limit, saying what the limit does once it is reached. */
function connectionsLine (connections: number, max: number): string {
  return connections >= max ? `${connections} of ${max}: at the limit, inbound connections are refused (raise --max-connections)` : `${connections} of ${max}`
}
