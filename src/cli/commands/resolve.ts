import { fingerprintHex } from '../../crypto/index.js'
import { Option, type Command } from 'commander'
import { base64, KEY_RECORD_CONTENT_TYPE, type KeysJson } from '../../api/index.js'
import { callApi, callApiBytes } from '../client.js'
import { EXIT_CODES_HELP } from '../exit.js'
import { checkPeerIdArgument, dataDirOf, dirOption, jsonOption } from '../options.js'
import { formatRelative, formatTime, printFields, printJson, println } from '../output.js'

interface ResolveCommandOptions {
  dir?: string
  refresh?: boolean
  json?: boolean
  record?: boolean
}

/** The SHA-256 fingerprint of a base64 key, as `keydir peers` and the API show it. */
function fingerprint (base64: string): string {
  return fingerprintHex(Buffer.from(base64, 'base64'))
}

/** `seq 3 -> 5, proof checked`: the rotation a resolve followed, from the pinned key to the answer's. */
function rotatedLine (rotated: NonNullable<KeysJson['rotated']>): string {
  const proofs = rotated.handOvers === 1 ? 'proof checked' : `${rotated.handOvers} proofs checked`
  return `seq ${rotated.fromSeq} -> ${rotated.toSeq}, ${proofs} (signed by the key this node had pinned)`
}

/** How the request named the peer, when not by its PeerId. */
function askedLine (keys: KeysJson): string {
  return keys.asked === 'previousMlDsaPeerId'
    ? `${keys.previousMlDsaPeerId ?? ''}, the ML-DSA PeerId of an earlier key (the current key descends from it through verified hand-overs)`
    : 'its ML-DSA PeerId'
}

export function registerResolve (program: Command): void {
  program.command('resolve')
    .summary('ask the running node for a peer\'s keys')
    .description(
      'Ask the running node for a peer\'s verified ML-DSA-65 / ML-KEM-768 public keys: from its registry, ' +
      'a bootstrap anchor, the DHT, or the peer itself. --json prints the keys in base64; --record prints the ' +
      'signed key record itself (base64), to check without trusting the node. A lookup that followed a rotation of the ' +
      'peer\'s keys says so: the seqs before and after, and that the proof from the pinned key was checked. PEER_ID may also ' +
      'be an ML-DSA PeerId (libp2p RFC 0004 draft, Qm…) of the peer\'s key, or of an earlier key its current one descends from.')
    .argument('<PEER_ID>', 'the peer: its PeerId (12D3KooW…) or the ML-DSA PeerId of its key (Qm…)')
    .addOption(dirOption())
    .option('--refresh', 'skip the registry and anchors and ask the network again')
    .addOption(jsonOption())
    .addOption(new Option('--record', 'print the signed key record (base64) instead of the keys').conflicts('json'))
    .addHelpText('after', `
Examples:
  keydir resolve 12D3KooW…
  keydir resolve 12D3KooW… --json | jq -r .mlKemPublicKey
  keydir resolve 12D3KooW… --record | base64 -d > peer.record
  keydir resolve Qm… --json | jq -r .peerId
${EXIT_CODES_HELP}`)
    .action(async (peer: string, options: ResolveCommandOptions) => {
      const peerId = checkPeerIdArgument(peer)
      const dataDir = dataDirOf(options)
      const path = `/v1/keys/${peerId}${options.refresh === true ? '?refresh=true' : ''}`
      if (options.record === true) {
        const record = await callApiBytes(dataDir, path, KEY_RECORD_CONTENT_TYPE, { timeoutMs: null })
        println(base64(record))
        return
      }
      const keys = await callApi<KeysJson>(dataDir, path, { timeoutMs: null })
      if (options.json === true) {
        printJson(keys)
        return
      }
      printFields([
        ['PeerId', keys.peerId],
        ['ML-DSA PeerId', keys.mlDsaPeerId],
        // Asked by an ML-DSA PeerId: say which, and for an earlier key that the current one descends from it.
        ...(keys.asked === 'peerId' ? [] : [['asked as', askedLine(keys)] as [string, string]]),
        ['trust', keys.trust],
        ['answered by', keys.stale ? `${keys.source} (stale: the network could not be reached to re-check it)` : keys.source],
        ['seq', String(keys.seq)],
        // This lookup followed a rotation from the key this node had pinned: say so, with how it was checked.
        ...(keys.rotated === undefined ? [] : [['rotated', rotatedLine(keys.rotated)] as [string, string]]),
        ['issued', formatTime(keys.issuedAt)],
        ['expires', `${formatTime(keys.expiresAt)} (${formatRelative(keys.expiresAt)})`],
        ['ML-DSA-65', `${Buffer.from(keys.mlDsaPublicKey, 'base64').length} bytes, sha256 ${fingerprint(keys.mlDsaPublicKey)}`],
        ['ML-KEM-768', `${Buffer.from(keys.mlKemPublicKey, 'base64').length} bytes, sha256 ${fingerprint(keys.mlKemPublicKey)}`],
        // A version-2 record's: 32 bytes, short enough to show whole.
        ...(keys.x25519PublicKey === undefined ? [] : [['X25519', keys.x25519PublicKey] as [string, string]])
      ])
    })
}
