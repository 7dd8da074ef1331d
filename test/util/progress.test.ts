import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { reportProgress, SharedProgress } from '../../src/util/progress.js'
import type { KeydirLogger } from '../../src/util/log.js'
import type { ProgressEvent } from '../../src/util/progress.js'

type Event = ProgressEvent<'step', number>

function recordingLogger (): KeydirLogger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = []
  const at = (level: string) => (_fields: Record<string, unknown>, message: string): void => { lines.push([level, message]) }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

const step = (n: number): Event => ({ type: 'step', detail: n })

describe('progress events', () => {
  it('a listener that throws, or whose promise rejects, is logged: a warning the first time, debug after', async () => {
    const log = recordingLogger()
    const throwing = (): void => { throw new Error('bug') }
    reportProgress(throwing, step(1), log)
    reportProgress(throwing, step(2), log)
    const rejecting = async (): Promise<void> => { throw new Error('async bug') }
    reportProgress(rejecting, step(3), log)
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(log.lines.map(([level]) => level), ['warn', 'debug', 'warn'])
  })

  it('a shared piece of work reaches each listener from when it joins until it leaves', () => {
    const shared = new SharedProgress<Event>(recordingLogger())
    const heard: Record<string, number[]> = { a: [], b: [] }
    const leaveA = shared.join(e => { heard.a.push(e.detail) })
    shared.emit(step(1))
    const leaveB = shared.join(e => { heard.b.push(e.detail) })
    shared.emit(step(2))
    leaveA()
    shared.emit(step(3))
    leaveB()
    shared.emit(step(4))
    assert.deepEqual(heard, { a: [1, 2], b: [2, 3] })
  })

  it('one function passed by two waits is heard once an event, until both have left', () => {
    const shared = new SharedProgress<Event>(recordingLogger())
    const heard: number[] = []
    const listener = (e: Event): void => { heard.push(e.detail) }
    const first = shared.join(listener)
    const second = shared.join(listener)
    shared.emit(step(1))
    first()
    first()
    shared.emit(step(2))
    second()
    shared.emit(step(3))
    assert.deepEqual(heard, [1, 2], 'once each, still heard after the first wait left (twice), not after the second')
    assert.doesNotThrow(() => { shared.join(undefined)() })
  })
})
