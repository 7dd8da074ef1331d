import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chmod } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CONFIG_KEYS, CONFIG_SCHEMA, DEFAULT_API, DEFAULT_LISTEN, loadConfig, resolveDataDir, toKeyDirectoryOptions } from '../../src/config/index.js'
import { configError, tempDir, writeConfig } from './helpers.js'

const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const mlDsaPublicKey = randomBytes(1952).toString('base64')

describe('data dir', () => {
  test('--dir, then KEYDIR_DIR, then ~/.keydir, always absolute', () => {
    assert.equal(resolveDataDir('rel/dir', {}), join(process.cwd(), 'rel/dir'))
    assert.equal(resolveDataDir(undefined, { KEYDIR_DIR: '/srv/keydir' }), '/srv/keydir')
    assert.equal(resolveDataDir('/a', { KEYDIR_DIR: '/b' }), '/a')
    assert.equal(resolveDataDir(undefined, {}), join(homedir(), '.keydir'))
    assert.equal(resolveDataDir('', { KEYDIR_DIR: '' }), join(homedir(), '.keydir'))
  })
})

describe('loadConfig', () => {
  test('defaults without a file, environment or flags', async () => {
    const dir = await tempDir()
    const config = await loadConfig({ dir, env: {} })
    assert.equal(config.dataDir, dir)
    assert.equal(config.configFile, undefined)
    assert.deepEqual(config.listen, [DEFAULT_LISTEN])
    assert.deepEqual(config.bootstrap, [])
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 7357 })
    assert.equal(DEFAULT_API, '127.0.0.1:7357')
    assert.equal(config.logLevel, 'info')
    assert.equal(config.logFormat, 'pretty')
    assert.equal(config.resolveTimeoutMs, undefined, 'left to the node')
    for (const key of CONFIG_KEYS) assert.equal(config.sources[key], 'default')
  })

  test('reads <dataDir>/config.json when present', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { resolveTimeoutMs: 2500, localNetwork: true, api: '127.0.0.1:0' })
    const config = await loadConfig({ dir, env: {} })
    assert.equal(config.configFile, join(dir, 'config.json'))
    assert.equal(config.resolveTimeoutMs, 2500)
    assert.equal(config.localNetwork, true)
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 0 })
    assert.equal(config.sources.resolveTimeoutMs, 'file')
  })

  test('precedence: flags over environment over file over defaults', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { api: '127.0.0.1:1111', logLevel: 'debug', logFormat: 'json', dhtProtocol: '/file/kad/1.0.0' })
    const env = { KEYDIR_API: '127.0.0.1:2222', KEYDIR_LOG_LEVEL: 'warn' }
    const config = await loadConfig({ dir, env, flags: { api: '127.0.0.1:3333' } })
    assert.equal(config.api.port, 3333)
    assert.equal(config.sources.api, 'flag')
    assert.equal(config.logLevel, 'warn')
    assert.equal(config.sources.logLevel, 'env')
    assert.equal(config.logFormat, 'json')
    assert.equal(config.sources.logFormat, 'file')
    assert.equal(config.dhtProtocol, '/file/kad/1.0.0')
    assert.equal(config.crypto, undefined)
    assert.equal(config.sources.crypto, 'default')
  })

  test('a list at a higher level replaces the lower one', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2'] })
    const fromEnv = await loadConfig({ dir, env: { KEYDIR_LISTEN: '/ip4/127.0.0.1/tcp/3, /ip4/127.0.0.1/tcp/4' } })
    assert.deepEqual(fromEnv.listen, ['/ip4/127.0.0.1/tcp/3', '/ip4/127.0.0.1/tcp/4'])
    const fromFlag = await loadConfig({ dir, env: {}, flags: { listen: ['/ip4/127.0.0.1/tcp/5'] } })
    assert.deepEqual(fromFlag.listen, ['/ip4/127.0.0.1/tcp/5'])
  })

  test('--config and KEYDIR_CONFIG name the file; a named file must exist', async () => {
    const dir = await tempDir()
    const path = await writeConfig(dir, { logLevel: 'error' }, 'other.json')
    assert.equal((await loadConfig({ dir, config: path, env: {} })).logLevel, 'error')
    assert.equal((await loadConfig({ dir, env: { KEYDIR_CONFIG: path } })).logLevel, 'error')
    await assert.rejects(loadConfig({ dir, config: join(dir, 'missing.json'), env: {} }), configError('ERR_CONFIG_FILE', 'missing.json'))
  })

  test('environment strings convert to numbers and booleans', async () => {
    const config = await loadConfig({
      dir: await tempDir(),
      env: { KEYDIR_RESOLVE_TIMEOUT_MS: '1500', KEYDIR_LOCAL_NETWORK: 'false', KEYDIR_DISCOVER_ON_CONNECT: '1', KEYDIR_REMOVE_KEYS_ON_DISCONNECT: 'yes', KEYDIR_RECORD_LIFETIME_MS: '3600000', KEYDIR_MAX_CONNECTIONS: '1200' }
    })
    assert.equal(config.resolveTimeoutMs, 1500)
    assert.equal(config.maxConnections, 1200)
    assert.equal(toKeyDirectoryOptions(config).maxConnections, 1200)
    assert.equal(config.localNetwork, false)
    assert.equal(config.discoverOnConnect, true)
    assert.equal(config.removeKeysOnDisconnect, true)
    assert.equal(config.recordLifetimeMs, 3_600_000)
  })

  test('the hostile-DHT settings come from flags, environment and file, bounded, and reach the node', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { firstContactGraceMs: 400 })
    const config = await loadConfig({ dir, env: { KEYDIR_DISJOINT_PATHS: '4' }, flags: { firstContactQuorum: '5' } })
    assert.deepEqual([config.firstContactQuorum, config.disjointPaths, config.firstContactGraceMs], [5, 4, 400])
    const options = toKeyDirectoryOptions(config)
    assert.deepEqual([options.firstContactQuorum, options.disjointPaths, options.firstContactGraceMs], [5, 4, 400])
    await assert.rejects(loadConfig({ dir, env: {}, flags: { firstContactQuorum: '0' } }), (err: any) => err.name === 'ConfigError' && /--first-contact-quorum/.test(err.message))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_DISJOINT_PATHS: '21' } }), (err: any) => /KEYDIR_DISJOINT_PATHS/.test(err.message))
  })

  test('envelopeGraceMs comes from the flag, environment or file, bounded, and reaches the node', async () => {
    const dir = await tempDir()
    assert.equal((await loadConfig({ dir, env: {} })).envelopeGraceMs, undefined)
    assert.equal((await loadConfig({ dir, env: { KEYDIR_ENVELOPE_GRACE_MS: '0' } })).envelopeGraceMs, 0)
    const config = await loadConfig({ dir, env: { KEYDIR_ENVELOPE_GRACE_MS: '1000' }, flags: { envelopeGraceMs: '86400000' } })
    assert.equal(config.envelopeGraceMs, 86_400_000)
    assert.equal(toKeyDirectoryOptions(config).envelopeGraceMs, 86_400_000)
    await writeConfig(dir, { envelopeGraceMs: 3_600_000 })
    assert.equal((await loadConfig({ dir, env: {} })).envelopeGraceMs, 3_600_000)
    await assert.rejects(loadConfig({ dir, env: {}, flags: { envelopeGraceMs: '-1' } }), (err: any) => err.name === 'ConfigError' && /--envelope-grace-ms/.test(err.message))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_ENVELOPE_GRACE_MS: 'soon' } }), (err: any) => /KEYDIR_ENVELOPE_GRACE_MS/.test(err.message))
  })

  test('bootstrap takes multiaddrs with /p2p/ and anchor entries, from file, environment and flags', async () => {
    const dir = await tempDir()
    const ma = `/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`
    const anchor = { multiaddr: ma, peerId, mlDsaPublicKey }
    const byFingerprint = { multiaddr: '/ip4/127.0.0.1/tcp/4002', peerId, mlDsaFingerprint: 'ab'.repeat(32) }
    await writeConfig(dir, { bootstrap: [ma, anchor, byFingerprint] })
    const fromFile = await loadConfig({ dir, env: {} })
    assert.deepEqual(fromFile.bootstrap, [ma, anchor, { ...byFingerprint, multiaddr: `/ip4/127.0.0.1/tcp/4002/p2p/${peerId}` }])
    const fromEnv = await loadConfig({ dir, env: { KEYDIR_BOOTSTRAP: JSON.stringify([anchor]) } })
    assert.deepEqual(fromEnv.bootstrap, [anchor])
    const fromEnvList = await loadConfig({ dir, env: { KEYDIR_BOOTSTRAP: `${ma},${ma}` } })
    assert.deepEqual(fromEnvList.bootstrap, [ma, ma])
    const fromFlags = await loadConfig({ dir, env: {}, flags: { bootstrap: [ma, JSON.stringify(anchor)] } })
    assert.deepEqual(fromFlags.bootstrap, [ma, anchor])
  })

  test('IPv6 API addresses', async () => {
    const config = await loadConfig({ dir: await tempDir(), env: {}, flags: { api: '[::1]:0' } })
    assert.deepEqual(config.api, { host: '::1', port: 0 })
  })

  test('an unknown KEYDIR_* variable is a warning, not an error', async () => {
    const config = await loadConfig({ dir: await tempDir(), env: { KEYDIR_RESOLVE_TIMEOUT: '5' } })
    assert.equal(config.warnings.length, 1)
    assert.match(config.warnings[0] ?? '', /KEYDIR_RESOLVE_TIMEOUT\b/)
  })

  test('a mistyped KEYDIR_* variable or config key gets a "did you mean"', async () => {
    const config = await loadConfig({ dir: await tempDir(), env: { KEYDIR_LOGLEVEL: 'debug', KEYDIR_RESOLVE_TIMEOUT_M: '5', KEYDIR_SOMETHING: '1' } })
    const warning = (name: string): string => config.warnings.find(w => w.includes(`variable ${name}`)) ?? ''
    assert.match(warning('KEYDIR_LOGLEVEL'), /did you mean KEYDIR_LOG_LEVEL\?/)
    assert.match(warning('KEYDIR_RESOLVE_TIMEOUT_M'), /did you mean KEYDIR_RESOLVE_TIMEOUT_MS\?/)
    assert.doesNotMatch(warning('KEYDIR_SOMETHING'), /did you mean/)
    const dir = await tempDir()
    await writeConfig(dir, { loglevel: 'debug' })
    await assert.rejects(loadConfig({ dir, env: {} }), (err: any) => err.code === 'ERR_CONFIG_UNKNOWN_KEY' && /did you mean "logLevel"\?/.test(err.message))
  })

  test('toKeyDirectoryOptions keeps node keys and leaves unset ones to the node', async () => {
    const dir = await tempDir()
    const options = toKeyDirectoryOptions(await loadConfig({ dir, env: { KEYDIR_RESOLVE_TIMEOUT_MS: '900' } }))
    assert.deepEqual(options, { dataDir: dir, listen: [DEFAULT_LISTEN], bootstrap: [], resolveTimeoutMs: 900 })
  })

  test('the reputation threshold takes a negative integer from the environment, and the half-life from the file', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { reputationHalfLifeMs: 600000 })
    const options = toKeyDirectoryOptions(await loadConfig({ dir, env: { KEYDIR_REPUTATION_THRESHOLD: '-25' } }))
    assert.equal(options.reputationThreshold, -25)
    assert.equal(options.reputationHalfLifeMs, 600000)
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_REPUTATION_THRESHOLD: '5' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_REPUTATION_THRESHOLD'))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_REPUTATION_THRESHOLD: '-101' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_REPUTATION_THRESHOLD'))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_REPUTATION_HALF_LIFE_MS: '-1' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_REPUTATION_HALF_LIFE_MS'))
  })

  test('every key has an environment variable named after it', () => {
    for (const key of CONFIG_KEYS) {
      assert.equal(CONFIG_SCHEMA[key].env, `KEYDIR_${key.replace(/[A-Z]/g, c => `_${c}`).toUpperCase()}`)
    }
  })
})

describe('bad configuration names the key', () => {
  const badFile: Array<[string, unknown, string | RegExp, string]> = [
    ['an unknown key', { resolveTimeout: 5 }, '"resolveTimeout"', 'ERR_CONFIG_UNKNOWN_KEY'],
    ['a number given as a string', { resolveTimeoutMs: '5000' }, '"resolveTimeoutMs"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a negative number', { resolveTimeoutMs: -1 }, '"resolveTimeoutMs"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a fraction', { recordLifetimeMs: 60000.5 }, '"recordLifetimeMs"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a lifetime too short', { recordLifetimeMs: 10 }, '"recordLifetimeMs"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a lifetime over the 7 days a record may live', { recordLifetimeMs: 7 * 24 * 3_600_000 + 1 }, '"recordLifetimeMs"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a boolean given as a string', { localNetwork: 'true' }, '"localNetwork"', 'ERR_CONFIG_INVALID_VALUE'],
    ['no connections allowed', { maxConnections: 0 }, '"maxConnections"', 'ERR_CONFIG_INVALID_VALUE'],
    ['listen not a list', { listen: '/ip4/127.0.0.1/tcp/1' }, '"listen"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a bad multiaddr in listen', { listen: ['/ip4/127.0.0.1/tcp/1', '/ip4/999.1.1.1/tcp/1'] }, '"listen[1]" in', 'ERR_CONFIG_INVALID_VALUE'],
    ['a bootstrap multiaddr without /p2p/', { bootstrap: ['/ip4/127.0.0.1/tcp/1'] }, '"bootstrap[0]" in', 'ERR_CONFIG_INVALID_VALUE'],
    ['an anchor with an unknown key', { bootstrap: [{ multiaddr: '/ip4/127.0.0.1/tcp/1', peerId, mlDsaPublicKey, trust: 'full' }] }, /"bootstrap\[0\]" in .* has unknown key "trust"/, 'ERR_CONFIG_UNKNOWN_KEY'],
    ['an anchor with a bad PeerId', { bootstrap: [{ multiaddr: '/ip4/127.0.0.1/tcp/1', peerId: 'nope', mlDsaPublicKey }] }, '"bootstrap[0].peerId"', 'ERR_CONFIG_INVALID_VALUE'],
    ['an anchor with a short key', { bootstrap: [{ multiaddr: '/ip4/127.0.0.1/tcp/1', peerId, mlDsaPublicKey: 'AAAA' }] }, '"bootstrap[0].mlDsaPublicKey"', 'ERR_CONFIG_INVALID_VALUE'],
    ['an anchor with both key and fingerprint', { bootstrap: [{ multiaddr: '/ip4/127.0.0.1/tcp/1', peerId, mlDsaPublicKey, mlDsaFingerprint: 'ab'.repeat(32) }] }, '"bootstrap[0]" in', 'ERR_CONFIG_INVALID_VALUE'],
    ['an anchor whose multiaddr names another peer', { bootstrap: [{ multiaddr: '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', peerId, mlDsaPublicKey }] }, '"bootstrap[0].multiaddr"', 'ERR_CONFIG_INVALID_VALUE'],
    ['an unknown crypto', { crypto: 'fast' }, '"crypto"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a bad api address', { api: 'localhost' }, '"api"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a port out of range', { api: '127.0.0.1:70000' }, '"api"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a bad log level', { logLevel: 'verbose' }, '"logLevel"', 'ERR_CONFIG_INVALID_VALUE'],
    ['a protocol without a slash', { dhtProtocol: 'kad' }, '"dhtProtocol"', 'ERR_CONFIG_INVALID_VALUE'],
    ['null', { logFormat: null }, '"logFormat"', 'ERR_CONFIG_INVALID_VALUE'],
    ['__proto__', '{"__proto__": {"x": 1}}', '"__proto__"', 'ERR_CONFIG_UNKNOWN_KEY']
  ]
  for (const [name, file, key, code] of badFile) {
    test(`file: ${name}`, async () => {
      const dir = await tempDir()
      await writeConfig(dir, file)
      await assert.rejects(loadConfig({ dir, env: {} }), configError(code, key))
    })
  }

  test('file: not JSON, not an object, too large', async () => {
    const dir = await tempDir()
    await writeConfig(dir, '{ "api": ')
    await assert.rejects(loadConfig({ dir, env: {} }), configError('ERR_CONFIG_FILE', 'not valid JSON'))
    await writeConfig(dir, '[1, 2]')
    await assert.rejects(loadConfig({ dir, env: {} }), configError('ERR_CONFIG_FILE', 'JSON object'))
    await writeConfig(dir, JSON.stringify({ listen: Array(100_000).fill('/ip4/127.0.0.1/tcp/1') }))
    await assert.rejects(loadConfig({ dir, env: {} }), configError('ERR_CONFIG_FILE', 'bytes'))
  })

  test('file: one that the group or others can write is refused, saying chmod go-w', { skip: process.platform === 'win32' }, async () => {
    const dir = await tempDir()
    const path = await writeConfig(dir, { logLevel: 'debug' })
    for (const mode of [0o664, 0o646, 0o666, 0o622]) {
      await chmod(path, mode)
      await assert.rejects(loadConfig({ dir, env: {} }), configError('ERR_CONFIG_UNSAFE', `can be written by other users (mode ${mode.toString(8)})`))
      await assert.rejects(loadConfig({ dir, env: {} }), configError('ERR_CONFIG_UNSAFE', `chmod go-w ${path}`))
      await assert.rejects(loadConfig({ config: path, env: {} }), configError('ERR_CONFIG_UNSAFE', path), '--config too')
    }
    // Readable by others is fine: a config file holds no secret.
    await chmod(path, 0o644)
    assert.equal((await loadConfig({ dir, env: {} })).logLevel, 'debug')
  })

  test('environment: the variable is named', async () => {
    const dir = await tempDir()
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_RESOLVE_TIMEOUT_MS: 'soon' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_RESOLVE_TIMEOUT_MS'))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_LOCAL_NETWORK: 'maybe' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_LOCAL_NETWORK'))
    await assert.rejects(loadConfig({ dir, env: { KEYDIR_BOOTSTRAP: '[{' } }), configError('ERR_CONFIG_INVALID_VALUE', 'KEYDIR_BOOTSTRAP'))
  })

  test('flags: the flag is named', async () => {
    const dir = await tempDir()
    await assert.rejects(loadConfig({ dir, env: {}, flags: { api: 'nowhere' } }), configError('ERR_CONFIG_INVALID_VALUE', '--api'))
    await assert.rejects(loadConfig({ dir, env: {}, flags: { listen: ['garbage'] } }), configError('ERR_CONFIG_INVALID_VALUE', '--listen[0]'))
  })

  test('a bad value in a file loses to a good flag only if the flag sets that key', async () => {
    const dir = await tempDir()
    await writeConfig(dir, { api: 'bad' })
    assert.equal((await loadConfig({ dir, env: {}, flags: { api: '127.0.0.1:0' } })).api.port, 0)
  })
})
