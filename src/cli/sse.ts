/**
 * A Server-Sent Events parser, as the HTML standard's EventSource reads a
 * `text/event-stream`: lines end in LF, CRLF or CR; `field: value` lines
 * fill an event and an empty line dispatches it; lines starting with `:`
 * are comments; `id` sets the last event id, which outlives the event.
 */

/** A line longer than this is refused (a node's events are a few hundred bytes). */
export const MAX_SSE_LINE = 64 * 1024

export interface SseEvent {
  /** `event:`, or `message` when absent. */
  event: string
  /** The `data:` lines joined with LF. */
  data: string
  /** The last event id when this event was dispatched (`''` when none was ever sent). */
  lastEventId: string
}

export class SseParser {
  /** The id of the last event seen, to send back as Last-Event-ID. */
  lastEventId = ''
  private buffer = ''
  private event = ''
  private data: string[] = []

  /** Feed decoded text; returns the events it completes. Throws on a line over MAX_SSE_LINE. */
  push (text: string): SseEvent[] {
    this.buffer += text
    const out: SseEvent[] = []
    let pos = 0
    for (;;) {
      let end = pos
      while (end < this.buffer.length && this.buffer[end] !== '\n' && this.buffer[end] !== '\r') end++
      if (end === this.buffer.length) break
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) break
      const line = this.buffer.slice(pos, end)
      pos = end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1)
      this.line(line, out)
    }
    this.buffer = this.buffer.slice(pos)
    if (this.buffer.length > MAX_SSE_LINE) throw new RangeError(`an event stream line is longer than ${MAX_SSE_LINE} characters`)
    return out
  }

  private line (line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event === '' ? 'message' : this.event, data: this.data.join('\n'), lastEventId: this.lastEventId })
      this.event = ''
      this.data = []
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value
  }
}
