import { readFile, stat } from 'node:fs/promises'
import { Option } from 'commander'
import { KeydirError } from '../../errors.js'
import { MAX_REVOCATION_BYTES, REVOCATION_REASONS } from '../../record/index.js'
import { REVOCATION_CONTENT_TYPE, type RevocationJson } from '../../api/index.js'
import { callApi } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dataDirOf, dirOption, jsonOption } from '../options.js'
import { printFields, printJson, println } from '../output.js'
import type { Command } from 'commander'

interface RevokeOptions {
  dir?: string
  json?: boolean
  reason?: string
  cert?: string
}

export function registerRevoke (program: Command): void {
  program.command('revoke')
    .summary('revoke this node\'s identity for good, or publish a peer\'s revocation certificate')
    .description(
      'Without --cert: the running node signs a revocation of its own identity with its current keys, keeps it, ' +
      'puts it into the DHT and pushes it to the peers that hold its keys. Peers then refuse every record of this ' +
      'PeerId (ERR_REVOKED); this cannot be undone: start again with `keydir init --force` for a new PeerId.\n' +
      'With --cert FILE: the running node publishes that certificate (a revocation.cert of a node that is gone), ' +
      'after checking it. Uses the API token in <dir>/api.token.')
    .addOption(dirOption())
    .addOption(new Option('--reason <reason>', 'why (without --cert)').choices([...REVOCATION_REASONS]))
    .addOption(new Option('--cert <file>', 'publish this revocation certificate instead (raw bytes, as revocation.cert)').conflicts('reason'))
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: RevokeOptions) => {
      const dataDir = dataDirOf(options)
      const revocation = options.cert === undefined
        ? await callApi<RevocationJson>(dataDir, `/v1/revoke${options.reason === undefined ? '' : `?reason=${options.reason}`}`, { method: 'POST', auth: true, timeoutMs: 120_000 })
        : await callApi<RevocationJson>(dataDir, '/v1/revocations', {
          method: 'POST',
          auth: true,
          timeoutMs: 120_000,
          body: { bytes: await readCertificate(options.cert), contentType: REVOCATION_CONTENT_TYPE }
        })
      if (options.json === true) {
        printJson(revocation)
        return
      }
      println(options.cert === undefined ? 'Revoked this node\'s identity and published the revocation.' : 'Published the revocation.')
      printFields([
        ['PeerId', revocation.peerId],
        ['reason', revocation.reason],
        ['signed by ML-DSA-65', revocation.mlDsaFingerprint]
      ])
    })
}

/** The certificate file's bytes: a regular file no larger than a certificate can be. */
async function readCertificate (path: string): Promise<Uint8Array> {
  const info = await stat(path).catch(err => {
    throw new KeydirError('ERR_CERT_UNREADABLE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): give the path of a revocation.cert`)
  })
  if (!info.isFile() || info.size === 0 || info.size > MAX_REVOCATION_BYTES) {
    throw new KeydirError('ERR_CERT_UNREADABLE', `${path} is not a revocation certificate (a file of 1 to ${MAX_REVOCATION_BYTES} bytes, as revocation.cert)`)
  }
  return new Uint8Array(await readFile(path))
}
