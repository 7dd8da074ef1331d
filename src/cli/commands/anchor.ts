import { multiaddr } from '@multiformats/multiaddr'
import { anchorJson, base64, type AnchorJson, type StatusJson } from '../../api/index.js'
import { loadConfig, type DaemonConfig } from '../../config/index.js'
import { selectPqCrypto } from '../../crypto/index.js'
import { KeydirError } from '../../errors.js'
import { loadIdentity } from '../../identity/index.js'
import { callApi, checkNodePeerId } from '../client.js'
import { checkDataDirSafe } from '../data-dir.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dirOption, jsonOption } from '../options.js'
import { note, println } from '../output.js'
import type { Command } from 'commander'

interface AnchorOptions {
  dir?: string
  config?: string
  json?: boolean
}

/** Whether a listen address can be dialled as written (a fixed port, not the unspecified address). */
function dialable (ma: string): boolean {
  const components = multiaddr(ma).getComponents()
  const host = components[0]?.value
  const port = components.find(c => c.name === 'tcp' || c.name === 'udp')?.value
  return port !== undefined && port !== '0' && host !== '0.0.0.0' && host !== '::'
}

/**
 * The multiaddr other nodes should dial when no node runs: the first
 * configured listen address they can dial as written.
 */
function configuredMultiaddr (config: DaemonConfig, peerId: string): string {
  const listen = config.listen.find(dialable)
  if (listen === undefined) {
    note(`warning: no node is running and no configured listen address has a fixed port (${config.listen.join(', ')}): ` +
      'replace the multiaddr below with one other nodes can dial, or start the node and run `keydir anchor` again')
  } else {
    note('note: no node is running; the multiaddr comes from the configured listen address')
  }
  const address = listen ?? config.listen[0] ?? '/ip4/127.0.0.1/tcp/0'
  return `${address}/p2p/${peerId}`
}

/**
 * This node's entry. The PeerId and ML-DSA-65 key always come from the
 * identity on disk, never from an answer: an entry pasted into other
 * nodes' configs pins this key. Only the multiaddr comes from the running
 * node (which proved it is this data dir's node, and reports this PeerId),
 * or, when none runs, from the configured listen addresses.
 */
async function anchorEntry (options: AnchorOptions): Promise<AnchorJson> {
  const config = await loadConfig({ dir: options.dir, config: options.config })
  await checkDataDirSafe(config.dataDir)
  const identity = await loadIdentity(config.dataDir, { crypto: selectPqCrypto(config.crypto) })
  const peerId = identity.peerId.toString()
  let address: string
  try {
    const status = await callApi<StatusJson>(config.dataDir, '/v1/status')
    checkNodePeerId(config.dataDir, status.peerId, peerId)
    address = status.anchor.multiaddr
    if (typeof address !== 'string' || !address.endsWith(`/p2p/${peerId}`)) {
      throw new KeydirError('ERR_API_RESPONSE', `the node of data dir ${config.dataDir} gave the anchor multiaddr ${JSON.stringify(address)}, which does not end in /p2p/${peerId}`)
    }
  } catch (err) {
    if (!(err instanceof KeydirError) || err.code !== 'ERR_NO_NODE') throw err
    address = configuredMultiaddr(config, peerId)
  }
  return anchorJson({ multiaddr: address, peerId, mlDsaPublicKey: base64(identity.mlDsaSigner.publicKey) })
}

export function registerAnchor (program: Command): void {
  program.command('anchor')
    .summary('print this node\'s trust-anchor entry for other nodes\' bootstrap config')
    .description(
      'Print this node\'s anchor entry { multiaddr, peerId, mlDsaPublicKey } as JSON. Other nodes put it in ' +
      'their bootstrap list (config.json "bootstrap", KEYDIR_BOOTSTRAP or --bootstrap) and then trust this ' +
      'node\'s keys at once. The PeerId and key come from the identity in the data dir; the multiaddr from the ' +
      'running node, or without one from the configured listen addresses.')
    .addOption(dirOption())
    .option('--config <file>', 'config file, for the listen address when no node runs')
    .addOption(jsonOption('print the entry on one line (for --bootstrap "$(keydir anchor --json)")'))
    .addHelpText('after', `
Examples:
  keydir anchor --dir ./a
  keydir start --dir ./b --bootstrap "$(keydir anchor --dir ./a --json)"
${EXIT_CODES_HELP}`)
    .action(async (options: AnchorOptions) => {
      const entry = await anchorEntry(options)
      println(options.json === true ? JSON.stringify(entry) : JSON.stringify(entry, null, 2))
    })
}
