import { ExchangeError } from '../errors.js'
import type { PeerId } from '@libp2p/interface'
import type { RateLimiter } from '@libp2p/utils'

/**
 * The first checks of every inbound exchange stream (requests, pushes,
 * history requests), before anything is read: the peer's rate limit
 * (ERR_RATE_LIMITED) and, for the protocols that hand out this node's
 * keys, whether it revoked its identity (ERR_REVOKED).
 */
export function admitInbound (limiter: RateLimiter, remote: PeerId, what: string, isRevoked?: () => boolean): void {
  try {
    limiter.consume(remote.toString())
  } catch {
    throw new ExchangeError('ERR_RATE_LIMITED', `too many ${what} from ${remote.toString()}`)
  }
  if (isRevoked?.() === true) throw new ExchangeError('ERR_REVOKED', 'this node revoked its identity: it hands out no keys')
}
