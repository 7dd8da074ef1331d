import { RegistryError } from '../errors.js'

const MINUTE_MS = 60_000

/**
 * The bounds on peers learned unasked (a KeyRequest's record, discovery on
 * connect): PeerIds are free, so without them any peer could grow the
 * registry without end. New such peers are taken at most `perMinute` per
 * minute (a fixed window), and at most `max` are kept: past that, the
 * oldest makes room. Peers the node resolved, anchors and pinned peers are
 * never counted here, so they can never be pushed out.
 */
export class UnsolicitedBound {
  private windowStart = 0
  private takenInWindow = 0

  constructor (
    private readonly max: number,
    private readonly perMinute: number,
    private readonly now: () => number
  ) {}

  /**
   * Take a new unsolicited peer, with `held` such peers stored now. Throws
   * ERR_UNSOLICITED_LIMIT past this minute's budget; returns true when the
   * oldest must go to make room.
   */
  admit (held: number): boolean {
    const now = this.now()
    if (now - this.windowStart >= MINUTE_MS) {
      this.windowStart = now
      this.takenInWindow = 0
    }
    if (this.takenInWindow >= this.perMinute) {
      throw new RegistryError('ERR_UNSOLICITED_LIMIT', `already ${this.perMinute} new peers learned unasked this minute: not stored`)
    }
    this.takenInWindow++
    return held >= this.max
  }
}
