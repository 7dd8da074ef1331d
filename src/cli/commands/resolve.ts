import { createHash } from 'node:crypto'
import { callApi } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { checkPeerIdArgument, dataDirOf, dirOption, jsonOption } from '../options.js'
import { formatRelative, formatTime, printFields, printJson } from '../output.js'
import type { KeysJson } from '../../api/index.js'
import type { Command } from 'commander'

interface ResolveCommandOptions {
  dir?: string
  refresh?: boolean
  json?: boolean
}

function fingerprint (base64: string): string {
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex')
}

export function registerResolve (program: Command): void {
  program.command('resolve')
    .summary('ask the running node for a peer\'s keys')
    .description(
      'Ask the running node for a peer\'s verified ML-DSA-65 / ML-KEM-768 public keys: from its registry, ' +
      'a bootstrap anchor, the DHT, or the peer itself. --json prints the keys and the signed record in base64.')
    .argument('<PEER_ID>', 'the peer, such as 12D3KooW…')
    .addOption(dirOption())
    .option('--refresh', 'skip the registry and anchors and ask the network again')
    .addOption(jsonOption())
    .addHelpText('after', `
Examples:
  keydir resolve 12D3KooW…
  keydir resolve 12D3KooW… --json | jq -r .mlKemPublicKey
${EXIT_CODES_HELP}`)
    .action(async (peer: string, options: ResolveCommandOptions) => {
      const peerId = checkPeerIdArgument(peer)
      const dataDir = dataDirOf(options)
      const keys = await callApi<KeysJson>(dataDir, `/v1/keys/${peerId}${options.refresh === true ? '?refresh=true' : ''}`, { timeoutMs: null })
      if (options.json === true) {
        printJson(keys)
        return
      }
      printFields([
        ['PeerId', keys.peerId],
        ['trust', keys.trust],
        ['answered by', keys.source],
        ['seq', String(keys.seq)],
        ['issued', formatTime(keys.issuedAt)],
        ['expires', `${formatTime(keys.expiresAt)} (${formatRelative(keys.expiresAt)})`],
        ['ML-DSA-65', `${Buffer.from(keys.mlDsaPublicKey, 'base64').length} bytes, sha256 ${fingerprint(keys.mlDsaPublicKey)}`],
        ['ML-KEM-768', `${Buffer.from(keys.mlKemPublicKey, 'base64').length} bytes, sha256 ${fingerprint(keys.mlKemPublicKey)}`]
      ])
    })
}
