/**
 * The recent key-change events `GET /v1/events` can replay, in a bounded
 * ring, with their ids.
 *
 * Ids are integers, increasing by one per event. They are not stored: a
 * run starts them above its start time in Unix milliseconds times 1,000,
 * so ids of a later run are higher than any of an earlier one (unless the
 * clock went back, or a run made more than 1,000 events per millisecond it
 * ran), and an id from another run is told from one of this run. Up to
 * 2^53 (Number.MAX_SAFE_INTEGER) that lasts until the year 2255.
 */

/** Events kept for resuming streams. */
export const DEFAULT_EVENT_LOG_SIZE = 1024

/** The largest id a client may send back: 16 digits, a safe integer. */
const EVENT_ID_PATTERN = /^[0-9]{1,16}$/

export interface LoggedEvent {
  id: number
  /** The event's `data:` line, one line of JSON. */
  data: string
}

/** Why a resuming client cannot have every event after its id. */
export type MissedReason = 'restart' | 'buffer'

export interface Replay {
  /** Events after the client's id, oldest first. */
  events: LoggedEvent[]
  /**
   * Set when some events after the client's id are gone: `restart` when
   * the id is not one of this run's (the node restarted, so what happened
   * in between is unknown), `buffer` when the ring no longer holds them.
   */
  missed?: MissedReason
  /** The position just before the first replayed event: the id a `missed` notice carries. */
  floor: number
}

/** A Last-Event-ID or `?after=` value: an event id, or undefined when it is not one. */
export function parseEventId (value: string): number | undefined {
  if (!EVENT_ID_PATTERN.test(value)) return undefined
  const id = Number(value)
  return Number.isSafeInteger(id) ? id : undefined
}

export class EventLog {
  /** The id before this run's first event. */
  readonly base: number
  private readonly ring: Array<LoggedEvent | undefined>
  /** Where the oldest held event is in the ring. */
  private head = 0
  private count = 0
  private last: number

  constructor (size = DEFAULT_EVENT_LOG_SIZE, startedAt = Date.now()) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('the event log needs room for at least one event')
    this.ring = new Array<LoggedEvent | undefined>(size)
    this.base = Math.floor(startedAt) * 1000
    this.last = this.base
  }

  /** The id of the newest event, or `base` when there is none yet. */
  get lastId (): number {
    return this.last
  }

  /** Add an event; the oldest goes when the ring is full. */
  append (data: string): LoggedEvent {
    const event = { id: ++this.last, data }
    const size = this.ring.length
    if (this.count < size) {
      this.ring[(this.head + this.count++) % size] = event
    } else {
      this.ring[this.head] = event
      this.head = (this.head + 1) % size
    }
    return event
  }

  /** What a client that saw every event up to `after` has not seen. */
  since (after: number): Replay {
    const oldest = this.count === 0 ? this.last + 1 : this.at(0).id
    const floor = oldest - 1
    if (after >= floor && after <= this.last) {
      return { events: this.held().filter(e => e.id > after), floor: after }
    }
    return { events: this.held(), missed: after < this.base || after > this.last ? 'restart' : 'buffer', floor }
  }

  private held (): LoggedEvent[] {
    const out: LoggedEvent[] = []
    for (let i = 0; i < this.count; i++) out.push(this.at(i))
    return out
  }

  private at (i: number): LoggedEvent {
    return this.ring[(this.head + i) % this.ring.length]!
  }
}
