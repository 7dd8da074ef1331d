import { multiaddr } from '@multiformats/multiaddr'
import { anchorJson, base64, type AnchorJson, type StatusJson } from '../../api/index.js'
import { loadConfig } from '../../config/index.js'
import { selectPqCrypto } from '../../crypto/index.js'
import { KeydirError } from '../../errors.js'
import { loadIdentity } from '../../identity/index.js'
import { callApi } from '../client.js'
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
 * This node's entry from its data dir, when no node runs: PeerId and ML-DSA
 * key from the identity files, the address from the configured listen
 * addresses.
 */
async function offlineAnchor (options: AnchorOptions): Promise<AnchorJson> {
  const config = await loadConfig({ dir: options.dir, config: options.config })
  const identity = await loadIdentity(config.dataDir, { crypto: selectPqCrypto(config.crypto) })
  const peerId = identity.peerId.toString()
  const listen = config.listen.find(dialable)
  if (listen === undefined) {
    note(`warning: no node is running and no configured listen address has a fixed port (${config.listen.join(', ')}): ` +
      'replace the multiaddr below with one other nodes can dial, or start the node and run `keydir anchor` again')
  } else {
    note('note: no node is running; the multiaddr comes from the configured listen address')
  }
  const address = listen ?? config.listen[0] ?? '/ip4/127.0.0.1/tcp/0'
  return anchorJson({ multiaddr: `${address}/p2p/${peerId}`, peerId, mlDsaPublicKey: base64(identity.mlDsaSigner.publicKey) })
}

export function registerAnchor (program: Command): void {
  program.command('anchor')
    .summary('print this node\'s trust-anchor entry for other nodes\' bootstrap config')
    .description(
      'Print this node\'s anchor entry { multiaddr, peerId, mlDsaPublicKey } as JSON. Other nodes put it in ' +
      'their bootstrap list (config.json "bootstrap", KEYDIR_BOOTSTRAP or --bootstrap) and then trust this ' +
      'node\'s keys at once. Asks the running node; without one, reads the identity from the data dir.')
    .addOption(dirOption())
    .option('--config <file>', 'config file, for the listen address when no node runs')
    .addOption(jsonOption('print the entry on one line (for --bootstrap "$(keydir anchor --json)")'))
    .addHelpText('after', `
Examples:
  keydir anchor --dir ./a
  keydir start --dir ./b --bootstrap "$(keydir anchor --dir ./a --json)"
${EXIT_CODES_HELP}`)
    .action(async (options: AnchorOptions) => {
      let entry: AnchorJson
      try {
        const status = await callApi<StatusJson>((await loadConfig({ dir: options.dir, config: options.config })).dataDir, '/v1/status')
        entry = status.anchor
      } catch (err) {
        if (!(err instanceof KeydirError) || err.code !== 'ERR_NO_NODE') throw err
        entry = await offlineAnchor(options)
      }
      println(options.json === true ? JSON.stringify(entry) : JSON.stringify(entry, null, 2))
    })
}
