import { Option } from 'commander'
import { TRUST_LEVELS } from '../../registry/index.js'
import { callApi } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { formatRelative, formatTable, formatTime, printJson, println } from '../output.js'
import type { PeerJson, RevocationJson } from '../../api/index.js'
import type { Command } from 'commander'

interface PeersOptions {
  dir?: string
  verified?: boolean
  trust?: string
  json?: boolean
}

export function registerPeers (program: Command): void {
  program.command('peers')
    .summary('list the peers the running node knows, and their trust')
    .description(
      'List the peers in the running node\'s registry with their trust level (self, anchor, direct, dht), ' +
      'whether the peer itself or an anchor confirmed the record (verified), the record\'s seq and expiry, ' +
      'and this node\'s score of the peer (from its own dealings with it; lookups skip peers below the threshold, -10 by default); ' +
      'then the revoked peers, whose keys must not be used.')
    .addOption(dirOption())
    .option('--verified', 'only peers whose record the peer itself or an anchor confirmed')
    .addOption(new Option('--trust <level>', 'only peers with this trust').choices(TRUST_LEVELS))
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: PeersOptions) => {
      const params = new URLSearchParams()
      if (options.trust !== undefined) params.set('trust', options.trust)
      if (options.verified === true) params.set('verified', 'true')
      // The API answers a page at a time; `next` names where the next page starts.
      const peers: PeerJson[] = []
      for (let after: string | undefined; ;) {
        if (after !== undefined) params.set('after', after)
        const query = params.size > 0 ? `?${params.toString()}` : ''
        const page = await callApi<{ peers: PeerJson[], next?: string }>(dataDirOf(options), `/v1/peers${query}`)
        peers.push(...page.peers)
        if (page.next === undefined || page.next === after) break
        after = page.next
      }
      const { revocations } = await callApi<{ revocations: RevocationJson[] }>(dataDirOf(options), '/v1/revocations')
      if (options.json === true) {
        printJson({ peers, revoked: revocations })
        return
      }
      if (peers.length === 0 && revocations.length === 0) {
        println('no peers known yet')
        return
      }
      if (peers.length > 0) {
        process.stdout.write(formatTable(
          ['PEER ID', 'TRUST', 'VERIFIED', 'SEQ', 'EXPIRES', 'SCORE', 'ML-DSA-65 SHA-256'],
          // A daemon from before reputation sends no score.
          peers.map(p => [p.peerId, p.trust, p.verified ? 'yes' : 'no', String(p.seq), formatRelative(p.expiresAt), typeof p.score === 'number' ? p.score.toFixed(2) : '-', p.mlDsaFingerprint.slice(0, 16)])
        ))
      }
      if (revocations.length > 0) {
        println(`\nrevoked (do not use their keys): ${revocations.length}`)
        process.stdout.write(formatTable(
          ['PEER ID', 'REASON', 'REVOKED', 'SIGNED BY ML-DSA-65 SHA-256'],
          revocations.map(r => [r.peerId, r.reason, formatTime(r.issuedAt), r.mlDsaFingerprint.slice(0, 16)])
        ))
      }
    })
}
