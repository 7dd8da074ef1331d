import { SseParser, type SseEvent } from '../../src/cli/sse.js'

export interface EventStreamClient {
  res: Response
  /** The next event (comments are skipped); rejects when the stream ends or nothing comes within the timeout. */
  next (timeoutMs?: number): Promise<SseEvent>
  /** Resolves when the server ends the stream; rejects after the timeout. */
  ended (timeoutMs?: number): Promise<void>
  /** Everything read so far, comments included. */
  raw (): string
  /** Go away, as a client does. */
  close (): void
}

/** Open `GET path` with fetch and read it as Server-Sent Events. The response may be an error: check `res.status` first. */
export async function openEventStream (url: string, path = '/v1/events', headers: Record<string, string> = {}): Promise<EventStreamClient> {
  const controller = new AbortController()
  const res = await fetch(`${url}${path}`, { headers, signal: controller.signal })
  const parser = new SseParser()
  const queue: SseEvent[] = []
  let text = ''
  let done = false
  const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader()
  const readSome = async (timeoutMs: number): Promise<void> => {
    if (reader === undefined || done) throw new Error('the stream has ended')
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`nothing came within ${timeoutMs} ms; so far: ${text.slice(-500)}`)) }, timeoutMs) })
    try {
      const chunk = await Promise.race([reader.read(), timeout])
      if (chunk.done) {
        done = true
        return
      }
      text += chunk.value
      queue.push(...parser.push(chunk.value))
    } finally {
      clearTimeout(timer)
    }
  }
  return {
    res,
    async next (timeoutMs = 10_000) {
      while (queue.length === 0) {
        await readSome(timeoutMs)
        if (done && queue.length === 0) throw new Error(`the stream ended; it sent: ${text.slice(-500)}`)
      }
      return queue.shift()!
    },
    async ended (timeoutMs = 10_000) {
      for (;;) {
        if (done) return
        await readSome(timeoutMs)
      }
    },
    raw: () => text,
    close: () => { controller.abort() }
  }
}
