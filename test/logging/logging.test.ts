import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { createDaemonLogger, formatLogLine } from '../../src/logging/index.js'
import type { KeydirLogger } from '../../src/util/log.js'

function capture (): { lines: string[], destination: { write: (line: string) => void } } {
  const lines: string[] = []
  return { lines, destination: { write: (line: string) => { lines.push(line) } } }
}

describe('daemon logger', () => {
  test('is a KeydirLogger writing JSON lines with string levels', () => {
    const { lines, destination } = capture()
    const logger: KeydirLogger = createDaemonLogger({ format: 'json', level: 'info', destination })
    logger.info({ peer: '12D3KooWabc', seq: 3 }, 'key record published')
    assert.equal(lines.length, 1)
    const entry = JSON.parse(lines[0] ?? '')
    assert.equal(entry.level, 'info')
    assert.equal(entry.msg, 'key record published')
    assert.equal(entry.peer, '12D3KooWabc')
    assert.equal(entry.seq, 3)
    assert.equal(typeof entry.time, 'string')
    assert.equal(entry.pid, process.pid)
  })

  test('honours the level', () => {
    const { lines, destination } = capture()
    const logger = createDaemonLogger({ format: 'json', level: 'warn', destination })
    logger.debug({}, 'hidden')
    logger.info({}, 'hidden')
    logger.warn({}, 'shown')
    logger.error({}, 'shown')
    assert.deepEqual(lines.map(l => JSON.parse(l).msg), ['shown', 'shown'])
    const silent = capture()
    createDaemonLogger({ format: 'json', level: 'silent', destination: silent.destination }).error({}, 'nothing')
    assert.equal(silent.lines.length, 0)
  })

  test('writes bytes as base64 and multiaddrs as strings', () => {
    const { lines, destination } = capture()
    createDaemonLogger({ format: 'json', destination }).info({ key: new Uint8Array([1, 2, 3]), addr: multiaddr('/ip4/127.0.0.1/tcp/1') }, 'm')
    const entry = JSON.parse(lines[0] ?? '')
    assert.equal(entry.key, 'AQID')
    assert.equal(entry.addr, '/ip4/127.0.0.1/tcp/1')
  })

  test('pretty lines are readable: time, level, message, key=value', () => {
    const { lines, destination } = capture()
    createDaemonLogger({ format: 'pretty', destination }).warn({ peer: 'P1', reason: 'bad signature', addrs: ['/a', '/b'] }, 'verification failed')
    assert.match(lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} WARN {2}verification failed peer=P1 reason="bad signature" addrs=\/a,\/b\n$/)
  })

  test('pretty lines show an error\'s code and message, and its stack at error level', () => {
    const { lines, destination } = capture()
    const err = Object.assign(new Error('boom'), { code: 'ERR_BOOM' })
    createDaemonLogger({ format: 'pretty', destination }).error({ err }, 'failed')
    assert.match(lines[0] ?? '', /ERROR failed err=ERR_BOOM error=boom\n {4}Error: boom\n/)
  })

  test('a line that is not JSON passes through', () => {
    assert.equal(formatLogLine('plain text'), 'plain text\n')
  })
})
