import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { counterValue, startNode, waitUntil } from '../helpers/network.js'
import type { KeydirLogger } from '../../src/util/log.js'

/** Issue 23, item 1: a node with no DHT peers fails a publish at once, says what to do once, and publishes when a peer joins. */

interface Line { level: 'debug' | 'info' | 'warn' | 'error', fields: Record<string, unknown>, message: string }

function recordingLogger (): { logger: KeydirLogger, lines: Line[] } {
  const lines: Line[] = []
  const at = (level: Line['level']) => (fields: Record<string, unknown>, message: string): void => { lines.push({ level, fields, message }) }
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

describe('publisher: a node with no DHT peers', () => {
  it('fails a publish at once with ERR_NO_PEERS, which says to give it a bootstrap peer', async () => {
    const lone = await startNode()
    try {
      await assert.rejects(lone.node.publish(), (err: any) => {
        assert.equal(err.code, 'ERR_NO_PEERS')
        assert.match(err.message, /no DHT peers/)
        assert.match(err.message, /--bootstrap <anchor entry or multiaddr>/)
        return true
      })
    } finally {
      await lone.node.stop()
      await lone.dir.remove()
    }
  })

  it('warns once at start, without an error, and publishes its record once a peer joins', async () => {
    const { logger, lines } = recordingLogger()
    const lone = await startNode({ logger })
    let joining: Awaited<ReturnType<typeof startNode>> | undefined
    try {
      await waitUntil(() => lines.some(l => l.level === 'warn'), 'the lone node warned')
      const warnings = lines.filter(l => l.level === 'warn')
      assert.equal(warnings.length, 1, warnings.map(l => l.message).join('\n'))
      assert.equal(warnings[0].fields.code, 'ERR_NO_PEERS')
      assert.match(warnings[0].message, /--bootstrap/)
      assert.equal(await counterValue(lone.node, 'keydir_records_published_total', { result: 'success' }), 0)

      joining = await startNode({ bootstrap: [lone.node.anchorEntry()] })
      await waitUntil(async () => await counterValue(lone.node, 'keydir_records_published_total', { result: 'success' }) > 0, 'the lone node published once a peer joined')
      assert.deepEqual(lines.filter(l => l.level === 'error'), [])
      assert.equal(lines.filter(l => l.level === 'warn').length, 1, 'still the one warning')
    } finally {
      await joining?.node.stop()
      await joining?.dir.remove()
      await lone.node.stop()
      await lone.dir.remove()
    }
  })
})
