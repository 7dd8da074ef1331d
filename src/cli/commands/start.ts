import { dirname } from 'node:path'
import { anchorJson, fingerprintHex, type AnchorJson } from '../../api/index.js'
import { CONFIG_SCHEMA, loadConfig, type LogFormat, type LogLevel } from '../../config/index.js'
import { errorCode } from '../../errors.js'
import { identityPaths, REVOCATION_CERT_ADVICE } from '../../identity/index.js'
import { createDaemonLogger } from '../../logging/index.js'
import { startDaemon, STOP_TIMEOUT_MS } from '../daemon.js'
import { StopSignals } from '../stop-signals.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { collect, dirOption, jsonOption } from '../options.js'
import { printFields, println } from '../output.js'
import type { NodeStatus } from '../../node/types.js'
import type { Command } from 'commander'

interface StartOptions {
  dir?: string
  config?: string
  listen?: string[]
  bootstrap?: string[]
  api?: string
  dhtProtocol?: string
  maxConnections?: string
  crypto?: string
  firstContactQuorum?: string
  disjointPaths?: string
  firstContactGraceMs?: string
  envelopeGraceMs?: string
  logLevel?: LogLevel
  logFormat?: LogFormat
  json?: boolean
}

export function registerStart (program: Command): void {
  program.command('start')
    .summary('run a node: libp2p + DHT + HTTP API, until SIGINT/SIGTERM or keydir stop')
    .description(
      'Run a keydir node on the data dir (making its identity on a first run) with its HTTP API, ' +
      'and write the API address to <dir>/api.json so the other commands find it. ' +
      'SIGINT, SIGTERM or `keydir stop` stops it cleanly: the API stops accepting, in-flight requests get up to 5 s, ' +
      'the node stops and closes its databases, and it exits 0. Settings come from flags, then KEYDIR_* ' +
      'environment variables, then the config file, then defaults.')
    .addOption(dirOption())
    .option('--config <file>', 'config file (default: $KEYDIR_CONFIG, else <dir>/config.json if present)')
    .option('--listen <multiaddr>', `libp2p listen address, repeatable (default ${String(CONFIG_SCHEMA.listen.default)})`, collect)
    .option('--bootstrap <peer>', 'bootstrap peer, repeatable: a multiaddr ending in /p2p/<PeerId>, or the JSON of an anchor entry from `keydir anchor`', collect)
    .option('--api <host:port>', 'HTTP API address; port 0 picks a free one (default 127.0.0.1:7357)')
    .option('--dht-protocol <id>', 'Kademlia protocol id (default /numi/kad/1.0.0)')
    .option('--max-connections <n>', 'connections kept open at most; a bootstrap peer needs more than the nodes joining through it (default 300)')
    .option('--crypto <impl>', 'post-quantum implementation: auto, native or noble (default auto)')
    .option('--first-contact-quorum <n>', 'valid DHT answers, over as many disjoint paths, before a peer never seen is taken (default 3)')
    .option('--disjoint-paths <n>', 'disjoint paths a DHT lookup walks (default 3)')
    .option('--first-contact-grace-ms <ms>', 'a first contact ends this long after its first valid answer, quorum or not (default 150)')
    .option('--envelope-grace-ms <ms>', 'after a rotation, keep the replaced KEM key this long for sealed messages (default 604800000, 7 days)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default info)')
    .option('--log-format <format>', 'pretty or json (default pretty)')
    .addOption(jsonOption('print the startup summary as one JSON line'))
    .addHelpText('after', `
Examples:
  keydir start
  keydir start --dir ./a --api 127.0.0.1:0 --listen /ip4/127.0.0.1/tcp/4001
  keydir start --dir ./b --bootstrap "$(keydir anchor --dir ./a --json)"
${EXIT_CODES_HELP}`)
    .action(async (options: StartOptions) => {
      const config = await loadConfig({
        dir: options.dir,
        config: options.config,
        flags: {
          listen: options.listen,
          bootstrap: options.bootstrap,
          api: options.api,
          dhtProtocol: options.dhtProtocol,
          maxConnections: options.maxConnections,
          crypto: options.crypto,
          firstContactQuorum: options.firstContactQuorum,
          disjointPaths: options.disjointPaths,
          firstContactGraceMs: options.firstContactGraceMs,
          envelopeGraceMs: options.envelopeGraceMs,
          logLevel: options.logLevel,
          logFormat: options.logFormat
        }
      })
      const logger = createDaemonLogger({ level: config.logLevel, format: config.logFormat })
      for (const warning of config.warnings) logger.warn({}, warning)
      if (config.configFile !== undefined) logger.info({ file: config.configFile }, 'read config file')

      // SIGINT and SIGTERM are taken from here on, so one that comes while the node starts (a process
      // manager may signal as soon as api.json or the banner appears) stops it cleanly once it is up.
      const signals = new StopSignals(() => {
        logger.error({}, 'second signal: exiting without a clean shutdown')
        process.exit(1)
      })
      const daemon = await startDaemon(config, logger)
      // A signal, or `keydir stop` (POST /v1/shutdown): both stop the node the same way.
      const stopReason = Promise.race([
        signals.requested.then(signal => ({ signal })),
        daemon.stopRequested.then(() => ({ by: 'POST /v1/shutdown' }))
      ])
      const status = await daemon.node.status()
      const anchor = anchorJson(daemon.node.anchorEntry())
      if (options.json === true) {
        println(JSON.stringify({
          peerId: status.peerId, multiaddrs: status.multiaddrs, api: daemon.url, dataDir: config.dataDir, pid: process.pid, newIdentity: daemon.madeIdentity, anchor
        }))
      } else {
        printBanner({ status, url: daemon.url, dataDir: config.dataDir, madeIdentity: daemon.madeIdentity, anchor })
      }

      logger.info(await stopReason, 'shutting down')
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'the node did not stop in time: exiting')
        process.exit(1)
      }, STOP_TIMEOUT_MS)
      deadline.unref()
      try {
        await daemon.stop()
      } catch (err) {
        logger.error({ code: errorCode(err), err }, 'clean shutdown failed')
        throw err
      } finally {
        clearTimeout(deadline)
      }
      logger.info({}, 'stopped')
    })
}

interface BannerInput {
  status: NodeStatus
  url: string
  dataDir: string
  madeIdentity: boolean
  anchor: AnchorJson
}

/**
 * What an operator needs from a start, on a screen: a first run says it
 * made the identity, and where; the anchor entry (2.7 KB of base64 key) is
 * shown by its fingerprint, with the command that prints it whole.
 */
function printBanner ({ status, url, dataDir, madeIdentity, anchor }: BannerInput): void {
  println('keydir node running')
  if (madeIdentity) {
    const paths = identityPaths(dataDir)
    println(`Made a new identity (first run) in ${dirname(paths.libp2pKey)}: PeerId ${status.peerId}`)
    println(`Its revocation certificate is ${paths.revocationCert}. ${REVOCATION_CERT_ADVICE}`)
  }
  printFields([
    ['PeerId', status.peerId],
    ...status.multiaddrs.map((ma, i): [string, string] => [i === 0 ? 'listening' : '', ma]),
    ['API', url],
    ['data dir', dataDir],
    ['PID', String(process.pid)],
    ['anchor', `ML-DSA-65 fingerprint ${fingerprintHex(Buffer.from(anchor.mlDsaPublicKey ?? '', 'base64'))} (the entry for other nodes: keydir anchor --dir ${dataDir} --json)`]
  ])
  println(`Stop with Ctrl-C, kill -TERM ${process.pid} or keydir stop --dir ${dataDir}.`)
}
