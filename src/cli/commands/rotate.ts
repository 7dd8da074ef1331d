import { callApi } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { printFields, printJson, println } from '../output.js'
import type { OwnRecordJson } from '../../api/index.js'
import type { Command } from 'commander'

export function registerRotate (program: Command): void {
  program.command('rotate')
    .summary('new ML-DSA-65 / ML-KEM-768 keys, proven by the old key, published at once')
    .description(
      'Ask the running node to replace its ML-DSA-65 and ML-KEM-768 keys. The new record carries a rotation proof ' +
      'signed by the old ML-DSA-65 key, so peers that pinned the old key accept the new one; the PeerId stays. ' +
      'Uses the API token in <dir>/api.token.')
    .addOption(dirOption())
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: { dir?: string, json?: boolean }) => {
      const record = await callApi<OwnRecordJson>(dataDirOf(options), '/v1/rotate', { method: 'POST', auth: true, timeoutMs: 120_000 })
      if (options.json === true) {
        printJson(record)
        return
      }
      println('Rotated and published.')
      printFields([
        ['PeerId', record.peerId],
        ['seq', String(record.seq)],
        ['ML-DSA-65 fingerprint', record.mlDsaFingerprint]
      ])
      println('Peers that pinned the old key follow the rotation proof. Give other nodes the new anchor entry')
      println('(`keydir anchor`) so nodes configured from now on pin the new key.')
    })
}
