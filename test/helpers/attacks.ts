import assert from 'node:assert/strict'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { counterValue } from './network.js'
import type { KeyDirectory } from '../../src/node/index.js'
import type { PeerId } from '@libp2p/interface'

/**
 * Assertions shared by the attack catalogue (test/attacks/): the refusal is
 * counted under its code, and the registry still holds the right record.
 */

/** keydir_verification_failures_total{source, reason} on a node. */
export async function refusals (node: KeyDirectory, source: string, reason: string): Promise<number> {
  return counterValue(node, 'keydir_verification_failures_total', { source, reason })
}

/**
 * Run `attack`, then assert that `node` counted it `times` times (at least
 * once when `times` is undefined) as {source, reason}.
 */
export async function assertCounted (node: KeyDirectory, source: string, reason: string, attack: () => Promise<unknown>, times?: number): Promise<void> {
  const before = await refusals(node, source, reason)
  await attack()
  const counted = await refusals(node, source, reason) - before
  if (times === undefined) {
    assert.ok(counted >= 1, `expected keydir_verification_failures_total{source="${source}",reason="${reason}"} to go up`)
  } else {
    assert.equal(counted, times, `keydir_verification_failures_total{source="${source}",reason="${reason}"} went up by ${counted}, expected ${times}`)
  }
}

/** The registry of `node` serves exactly `bytes` for `peer`. */
export async function assertHolds (node: KeyDirectory, peer: PeerId, bytes: Uint8Array): Promise<void> {
  const entry = await node.registry.get(peer)
  assert.ok(entry !== undefined, `the registry lost the record of ${peer.toString()}`)
  assert.ok(uint8ArrayEquals(entry.record.bytes, bytes), `the registry holds another record of ${peer.toString()} (seq ${entry.record.seq})`)
}

/** For assert.rejects / assert.throws: an error of this name and code. */
export function hasCode (code: string, name?: string): (err: any) => boolean {
  return (err: any) => {
    if (err?.code !== code || (name !== undefined && err?.name !== name)) {
      throw new Error(`expected ${name ?? 'an error'} ${code}, got ${String(err?.name)} ${String(err?.code)}: ${String(err?.message)}`)
    }
    return true
  }
}
