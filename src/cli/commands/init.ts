import { base64, ensureApiToken, fingerprintHex } from '../../api/index.js'
import { loadConfig } from '../../config/index.js'
import { selectPqCrypto } from '../../crypto/index.js'
import { createIdentity, identityPaths, REVOCATION_CERT_ADVICE } from '../../identity/index.js'
import { ensureDataDir } from '../data-dir.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { dirOption, jsonOption } from '../options.js'
import { printFields, printJson, println } from '../output.js'
import type { Command } from 'commander'

interface InitOptions {
  dir?: string
  config?: string
  force?: boolean
  json?: boolean
}

export function registerInit (program: Command): void {
  program.command('init')
    .summary('make this node\'s identity in the data dir')
    .description(
      'Make a new identity in the data dir: an Ed25519 libp2p key (the PeerId) and ML-DSA-65 / ML-KEM-768 keys, ' +
      'in files readable by the owner only, its pre-signed revocation certificate (revocation.cert: keep a copy offline), ' +
      'and the API token (api.token) that guards `keydir rotate`. ' +
      'Refuses to replace an existing identity unless --force is given.')
    .addOption(dirOption())
    .option('--config <file>', 'config file (default: <dir>/config.json if present)')
    .option('--force', 'replace an existing identity (this changes the PeerId)')
    .addOption(jsonOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: InitOptions) => {
      const config = await loadConfig({ dir: options.dir, config: options.config })
      const dataDir = config.dataDir
      await ensureDataDir(dataDir)
      const crypto = selectPqCrypto(config.crypto)
      // The token first: `keydir init` on a data dir with an identity but no token still fixes the token.
      await ensureApiToken(dataDir)
      const identity = await createIdentity(dataDir, { crypto, force: options.force === true })
      const result = {
        dataDir,
        peerId: identity.peerId.toString(),
        mlDsaPublicKey: base64(identity.mlDsaSigner.publicKey),
        mlKemPublicKey: base64(identity.mlKem.publicKey),
        mlDsaFingerprint: fingerprintHex(identity.mlDsaSigner.publicKey),
        revocationCertificate: identityPaths(dataDir).revocationCert
      }
      if (options.json === true) {
        printJson(result)
        return
      }
      println(`Made a new identity in ${dataDir}`)
      printFields([
        ['PeerId', result.peerId],
        ['ML-DSA-65 fingerprint', result.mlDsaFingerprint],
        ['Revocation certificate', result.revocationCertificate]
      ])
      println()
      println(REVOCATION_CERT_ADVICE)
      println()
      println(`Next: keydir start --dir ${dataDir}`)
    })
}
