import { keydirVersion } from '../../util/version.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { jsonOption } from '../options.js'
import { printFields, printJson } from '../output.js'
import type { Command } from 'commander'

/** What `keydir version` reports: keydir's version and the Node.js it runs on (the one the package brings, when installed from it). */
export interface VersionJson {
  version: string
  node: string
  /** The Node.js binary running keydir. */
  nodePath: string
  /** The OpenSSL that node:crypto uses: 3.5 or later has native ML-DSA / ML-KEM. */
  openssl: string
  platform: string
  arch: string
}

export function versionInfo (): VersionJson {
  return {
    version: keydirVersion(),
    node: process.version,
    nodePath: process.execPath,
    openssl: process.versions.openssl ?? '',
    platform: process.platform,
    arch: process.arch
  }
}

export function registerVersion (program: Command): void {
  program.command('version')
    .summary('keydir\'s version, the Node.js it runs on, the platform')
    .description(
      'Print keydir\'s version, the version and path of the Node.js that runs it (an installed keydir runs ' +
      'on the Node.js its package brings, whatever `node` the machine has), its OpenSSL, and the platform. ' +
      '`keydir --version` prints the version alone.')
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action((options: { json?: boolean }) => {
      const info = versionInfo()
      if (options.json === true) {
        printJson(info)
        return
      }
      printFields([
        ['keydir', info.version],
        ['Node.js', `${info.node} (${info.nodePath})`],
        ['OpenSSL', info.openssl],
        ['platform', `${info.platform} ${info.arch}`]
      ])
    })
}
