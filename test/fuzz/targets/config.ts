import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { CONFIG_KEYS, CONFIG_SCHEMA, loadConfig, toKeyDirectoryOptions } from '../../../src/config/index.js'
import { parseBootstrap } from '../../../src/node/anchors.js'
import { isLocalNetwork } from '../../../src/node/local-network.js'
import { fingerprint } from '../../../src/crypto/index.js'
import { makeTempDir } from '../../helpers/temp-dir.js'
import { corpus } from '../corpus.js'
import { attempt, attemptAsync, Outcomes } from '../harness.js'
import { applyMutations, mutations, sometimes } from '../mutate.js'
import type { FuzzTarget } from '../harness.js'

const CONFIG_ERRORS = ['ConfigError']

/** A config file with every key set to a good value, the start of mutation. */
async function goodConfig (): Promise<Record<string, unknown>> {
  const c = await corpus()
  const [a, b] = c.peers
  return {
    listen: ['/ip4/127.0.0.1/tcp/7358', '/ip6/::1/tcp/0'],
    bootstrap: [
      `/ip4/127.0.0.1/tcp/4001/p2p/${a.peerId.toString()}`,
      { multiaddr: '/ip4/127.0.0.1/tcp/4002', peerId: b.peerId.toString(), mlDsaPublicKey: Buffer.from(b.mlDsaSigner.publicKey).toString('base64') },
      { multiaddr: `/dns4/example.org/tcp/4003/p2p/${a.peerId.toString()}`, peerId: a.peerId.toString(), mlDsaFingerprint: Buffer.from(fingerprint(a.mlDsaSigner.publicKey)).toString('hex') }
    ],
    dhtProtocol: '/numi/kad/1.0.0',
    exchangeProtocol: '/numi/keyx/1.0.0',
    recordLifetimeMs: 86_400_000,
    localNetwork: true,
    maxConnections: 300,
    crypto: 'auto',
    resolveTimeoutMs: 10_000,
    discoverOnConnect: true,
    removeKeysOnDisconnect: false,
    api: '127.0.0.1:7357',
    logLevel: 'info',
    logFormat: 'json'
  }
}

/** Replace, delete or add values anywhere in a JSON tree, following `path` choices. */
function mutateJson (value: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return op === 0 ? undefined : replacement
  const [step, ...rest] = path
  if (Array.isArray(value)) {
    const copy = value.slice()
    if (copy.length === 0 || op === 2) { copy.push(replacement); return copy }
    const i = step % copy.length
    const next = mutateJson(copy[i], rest, replacement, op)
    if (next === undefined) copy.splice(i, 1)
    else copy[i] = next
    return copy
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  const keys = Object.keys(copy)
  if (keys.length === 0 || op === 2) { copy[typeof replacement === 'string' ? replacement.slice(0, 20) : `k${step}`] = replacement; return copy }
  const key = keys[step % keys.length]
  const next = mutateJson(copy[key], rest, replacement, op)
  if (next === undefined) delete copy[key]
  else copy[key] = next
  return copy
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'true', 'TRUE', 'yes', '[]', '{}', '{"multiaddr":1}', '[{}]', '/', '//', '/ip4/999.1.1.1/tcp/1',
    '/ip4/127.0.0.1/tcp/99999', '/p2p/QmInvalid', '127.0.0.1:', ':0', '[::1]:65536', '[:::]:1', '/numi/kad/1.0.0 ', '\u0000', 'x'.repeat(5000), '__proto__', 'constructor')
)

/**
 * The daemon's configuration: a config file made of mutated good settings,
 * broken JSON and noise, with hostile KEYDIR_* variables and flags. Every
 * refusal a ConfigError with a code; whatever is accepted the node must take
 * too (its bootstrap entries parse, its listen addresses are multiaddrs).
 */
export const configTarget: FuzzTarget = {
  name: 'config',
  description: 'loadConfig on mutated and broken config files, KEYDIR_* variables and flags',
  ciRuns: 1500,
  async prepare () {
    const outcomes = new Outcomes()
    const dir = await makeTempDir('keydir-fuzz-config-')
    const file = join(dir.path, 'config.json')
    const good = await goodConfig()
    const goodText = new TextEncoder().encode(JSON.stringify(good, null, 2))
    const replacement = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString)
    const text: fc.Arbitrary<string | Uint8Array> = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), replacement, fc.integer({ min: 0, max: 2 })).map(([path, r, op]) => JSON.stringify(mutateJson(good, path, r, op)) ?? '') },
      { weight: 2, arbitrary: mutations.map(m => applyMutations(goodText, m.filter(x => x.kind !== 'nested'), [goodText])) },
      { weight: 1, arbitrary: fc.jsonValue().map(v => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 200 })) }
    )
    const envNames = [...CONFIG_KEYS.map(k => CONFIG_SCHEMA[k].env), 'KEYDIR_UNKNOWN', 'KEYDIR_DIR', 'KEYDIR_CONFIG']
    const env = fc.dictionary(fc.constantFrom(...envNames), fc.oneof(hostileString, fc.jsonValue().map(v => JSON.stringify(v))), { maxKeys: 3 })
    const flags = fc.dictionary(fc.constantFrom(...CONFIG_KEYS), fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })), { maxKeys: 2 })

    const property = fc.asyncProperty(text, sometimes(env, 3), sometimes(flags, 4), async (content, envValues, flagValues) => {
      await writeFile(file, content)
      const environment = { ...(envValues ?? {}) }
      // The config file is the one named here; a fuzzed KEYDIR_CONFIG or KEYDIR_DIR must not send the loader elsewhere.
      delete environment.KEYDIR_CONFIG
      delete environment.KEYDIR_DIR
      const loaded = await attemptAsync(outcomes, 'loadConfig', async () => loadConfig({ dir: dir.path, config: file, env: environment, flags: flagValues }), CONFIG_ERRORS)
      if (loaded.ok) {
        // What the config accepts the node must take as is: a throw here is a daemon that accepts
        // its config and then fails at start (found once: test/fuzz/config-gaps.test.ts).
        const options = toKeyDirectoryOptions(loaded.value)
        parseBootstrap(options.bootstrap ?? [])
        isLocalNetwork(options.listen ?? [])
      }
      return true
    })
    return { property, outcomes, close: async () => { await dir.remove() } }
  }
}

/** Each setting's parser on its own, from every origin, with any JSON value or hostile string. */
export const configValuesTarget: FuzzTarget = {
  name: 'config-values',
  description: 'every config key\'s value parser (file, env, flag) on hostile values',
  ciRuns: 4000,
  async prepare () {
    const outcomes = new Outcomes()
    const property = fc.property(
      fc.constantFrom(...CONFIG_KEYS),
      fc.constantFrom('file' as const, 'env' as const, 'flag' as const),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileString, fc.anything({ maxDepth: 2 })),
      (key, kind, raw) => {
        attempt(outcomes, key, () => CONFIG_SCHEMA[key].parse(raw, { kind, key }), CONFIG_ERRORS)
        return true
      })
    return { property, outcomes }
  }
}
