import { Option } from 'commander'
import { peerIdOf } from '../util/peer-id.js'
import { resolveDataDir } from '../config/index.js'
import { UsageError } from './exit.js'

export function dirOption (): Option {
  return new Option('--dir <path>', 'data dir (default: $KEYDIR_DIR, else ~/.keydir)')
}

export function jsonOption (description = 'print JSON instead of text'): Option {
  return new Option('--json', description)
}

/** For repeatable flags: `--listen A --listen B`. */
export function collect (value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value]
}

export function dataDirOf (options: { dir?: string }): string {
  return resolveDataDir(options.dir)
}

/** A PeerId argument, checked here so a typo is a usage error (exit 2), not a failed lookup. */
export function checkPeerIdArgument (value: string): string {
  if (value.length > 128) throw new UsageError('PEER_ID is too long to be a PeerId')
  try {
    return peerIdOf(value).toString()
  } catch {
    throw new UsageError(`${JSON.stringify(value)} is not a valid PeerId (such as 12D3KooW…)`)
  }
}
