import { multiaddr } from '@multiformats/multiaddr'
import { ML_DSA_65 } from '../crypto/index.js'
import { ConfigError } from '../errors.js'
import { FINGERPRINT_LENGTH } from '../record/index.js'
import { peerIdOf } from '../util/peer-id.js'
import type { AnchorKey } from '../registry/index.js'
import type { AnchorEntry } from './types.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A bootstrap peer: where to dial it, and, for an anchor, the key to pin. */
export interface BootstrapPeer {
  peerId: PeerId
  multiaddr: Multiaddr
  anchor?: AnchorKey
}

/**
 * Parse the `bootstrap` option: multiaddr strings ending in `/p2p/<PeerId>`
 * and anchor entries. Bad entries are configuration errors that say which
 * entry and why. This is the one bootstrap parser: the daemon's config
 * loader hands each entry here too.
 */
export function parseBootstrap (entries: Array<string | AnchorEntry>): BootstrapPeer[] {
  return entries.map((entry, i) => parseBootstrapEntry(entry, `bootstrap[${i}]`))
}

/**
 * One bootstrap entry. `where` names it, or a field of it, in errors: a
 * string (`bootstrap[2]`, its fields `bootstrap[2].peerId`), or a function
 * of the field (`''`, `'.peerId'`) for callers that name keys their own way.
 */
export function parseBootstrapEntry (entry: string | AnchorEntry, where: string | ((field: string) => string)): BootstrapPeer {
  const at = typeof where === 'string' ? (field: string) => `${where}${field}` : where
  if (typeof entry === 'string') {
    const ma = parseMultiaddr(entry, at(''))
    const peer = ma.getComponents().findLast(c => c.name === 'p2p')?.value
    if (peer == null) {
      throw new ConfigError('ERR_BAD_BOOTSTRAP', `${at('')} must end in /p2p/<PeerId> so the peer can be authenticated, got ${entry.slice(0, 120)}`)
    }
    return { peerId: parsePeer(peer, at('')), multiaddr: ma }
  }
  if (entry == null || typeof entry !== 'object') {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${at('')}: expected a multiaddr string or { multiaddr, peerId, mlDsaPublicKey | mlDsaFingerprint }`)
  }
  const peerId = parsePeer(entry.peerId, at('.peerId'))
  const ma = parseMultiaddr(entry.multiaddr, at('.multiaddr'))
  const p2p = ma.getComponents().findLast(c => c.name === 'p2p')?.value
  if (p2p != null && p2p !== peerId.toString()) {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${at('.multiaddr')}: ends in /p2p/${p2p}, which is not the entry's peerId ${peerId.toString()}`)
  }
  const dialable = p2p == null ? ma.encapsulate(`/p2p/${peerId.toString()}`) : ma
  if ((entry.mlDsaPublicKey == null) === (entry.mlDsaFingerprint == null)) {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${at('')}: an anchor entry needs exactly one of mlDsaPublicKey (base64) and mlDsaFingerprint (hex or base64 SHA-256)`)
  }
  if (entry.mlDsaPublicKey != null) {
    const key = decodeBytes(entry.mlDsaPublicKey, at('.mlDsaPublicKey'), ['base64'])
    expectLength(key, ML_DSA_65.publicKey, at('.mlDsaPublicKey'), `the base64 of a ${ML_DSA_65.publicKey}-byte ML-DSA-65 public key`)
    return { peerId, multiaddr: dialable, anchor: { mlDsaPublicKey: key } }
  }
  const fp = decodeBytes(entry.mlDsaFingerprint!, at('.mlDsaFingerprint'), ['hex', 'base64'])
  expectLength(fp, FINGERPRINT_LENGTH, at('.mlDsaFingerprint'), 'a SHA-256 fingerprint (64 hex digits or base64 of 32 bytes)')
  return { peerId, multiaddr: dialable, anchor: { mlDsaFingerprint: fp } }
}

function parsePeer (value: unknown, where: string): PeerId {
  try {
    return peerIdOf(String(value))
  } catch {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${where}: "${String(value).slice(0, 80)}" is not a PeerId`)
  }
}

function parseMultiaddr (value: unknown, where: string): Multiaddr {
  try {
    return multiaddr(String(value))
  } catch {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${where}: "${String(value).slice(0, 120)}" is not a multiaddr`)
  }
}

function decodeBytes (value: string | Uint8Array, where: string, encodings: Array<'hex' | 'base64'>): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') {
    if (encodings.includes('hex') && /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) {
      return Uint8Array.from(Buffer.from(value, 'hex'))
    }
    if (encodings.includes('base64') && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
      return Uint8Array.from(Buffer.from(value, 'base64'))
    }
  }
  throw new ConfigError('ERR_BAD_BOOTSTRAP', `${where}: expected ${encodings.join(' or ')} bytes`)
}

function expectLength (bytes: Uint8Array, length: number, where: string, expected: string): void {
  if (bytes.length !== length) {
    throw new ConfigError('ERR_BAD_BOOTSTRAP', `${where}: expected ${expected}, got ${bytes.length} bytes`)
  }
}
