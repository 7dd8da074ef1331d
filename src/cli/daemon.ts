import {
  createApiServer, ensureApiToken, isLoopbackHost, readApiToken, removeApiAddress, removeStaleApiAddress, writeApiAddress, type ApiServer
} from '../api/index.js'
import { formatApiAddress, toKeyDirectoryOptions, type DaemonConfig } from '../config/index.js'
import { KeydirError } from '../errors.js'
import { identityPaths, presentIdentityFiles } from '../identity/index.js'
import { createKeydirMetrics } from '../metrics/index.js'
import { ensureDataDir } from './data-dir.js'
import { alreadyRunning, isLockError, lockDataDir, type DataDirLock } from './lock.js'
import type { KeyDirectory } from '../node/types.js'
import type { KeydirLogger } from '../util/log.js'

const second = 1000
/** If stopping the node takes longer than this, give up and exit 1. */
export const STOP_TIMEOUT_MS = 20 * second

export interface Daemon {
  node: KeyDirectory
  /** The URL clients use, as written to api.json. */
  url: string
  /** Whether this start made the data dir's identity (a first run without `keydir init`). */
  madeIdentity: boolean
  /** Resolves when `POST /v1/shutdown` (`keydir stop`) asks the daemon to stop; the caller stops it as on SIGTERM. */
  stopRequested: Promise<void>
  /** Stop accepting, finish in-flight requests (bounded), stop the node, remove api.json, release the lock. */
  stop (): Promise<void>
}

/**
 * Run a node and its HTTP API on the data dir: take the data dir's lock,
 * make the API token if there is none, build and start the node (making
 * the identity on a first run), listen, and write api.json.
 */
export async function startDaemon (config: DaemonConfig, logger: KeydirLogger): Promise<Daemon> {
  const dataDir = config.dataDir
  await ensureDataDir(dataDir)
  const lock = await lockDataDir(dataDir)
  const { promise: stopRequested, resolve: requestStop } = Promise.withResolvers<void>()
  let node: KeyDirectory | undefined
  let api: ApiServer | undefined
  try {
    await ensureApiToken(dataDir)
    // The token guards rotate and is what proves this node to the CLI
    // (Keydir-Proof): one that others can read (ERR_API_TOKEN_UNSAFE) or that
    // cannot be read stops the start, as the CLI could not use the node.
    const token = await readApiToken(dataDir)
    if (token === undefined) throw new KeydirError('ERR_API_TOKEN', `${dataDir}/api.token disappeared while the node started: start it again`)

    // Under the lock no other start can make one meanwhile; createKeyDirectory makes it when neither file is there.
    const madeIdentity = (await presentIdentityFiles(identityPaths(dataDir))).length === 0

    // Loaded here, not at the top, so `keydir --help` does not load libp2p.
    const { createKeyDirectory } = await import('../node/index.js')
    try {
      node = await createKeyDirectory({
        ...toKeyDirectoryOptions(config),
        logger,
        metrics: createKeydirMetrics(),
        libp2pMetrics: true
      })
    } catch (err) {
      if (isLockError(err)) throw alreadyRunning(dataDir)
      throw err
    }
    // The node holds the data dir (its lock file and LevelDB's lock), so an
    // api.json here is a crashed node's: remove it before anything else can
    // trust it, whether or not this start gets as far as writing its own.
    await removeStaleApiAddress(dataDir)
    try {
      await node.start()
    } catch (err) {
      const inUse = /EADDRINUSE: address already in use (\S+)/.exec(String((err as Error).message))
      if (inUse !== null) {
        throw new KeydirError('ERR_LISTEN',
          `the libp2p listen address ${inUse[1] ?? ''} is in use (another node?): pass --listen /ip4/127.0.0.1/tcp/0 for a free port, or another address`, { cause: err })
      }
      throw err
    }

    if (!isLoopbackHost(config.api.host)) {
      logger.warn({ api: formatApiAddress(config.api) },
        'the HTTP API listens beyond loopback: anyone who can reach it can query this node (publish and rotate still need the token)')
    }
    api = createApiServer({ node, token, logger, requestShutdown: () => { requestStop() } })
    let url: string
    try {
      url = await api.listen(config.api)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      throw new KeydirError('ERR_API_LISTEN',
        code === 'EADDRINUSE'
          ? `the API address ${formatApiAddress(config.api)} is in use: pass --api 127.0.0.1:0 for a free port, or another HOST:PORT`
          : `cannot listen on ${formatApiAddress(config.api)} (${code ?? (err as Error).message})`, { cause: err })
    }
    await writeApiAddress(dataDir, { url, pid: process.pid, peerId: node.peerId.toString(), startedAt: Date.now() })
    logger.info({ url }, 'HTTP API listening')
    return { node, url, madeIdentity, stopRequested, stop: stopper(dataDir, node, api, lock, logger) }
  } catch (err) {
    await api?.close().catch(() => {})
    await node?.stop().catch(() => {})
    await lock.release()
    throw err
  }
}

function stopper (dataDir: string, node: KeyDirectory, api: ApiServer, lock: DataDirLock, logger: KeydirLogger): () => Promise<void> {
  let stopping: Promise<void> | undefined
  return async () => {
    stopping ??= (async () => {
      try {
        await api.close()
        logger.info({}, 'HTTP API closed')
        await node.stop()
      } finally {
        await removeApiAddress(dataDir)
        await lock.release()
      }
    })()
    return stopping
  }
}
