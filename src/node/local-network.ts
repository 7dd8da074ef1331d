import { multiaddr } from '@multiformats/multiaddr'

const PRIVATE_V4 = [/^127\./, /^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./]

/** Whether every listen address is loopback or private: then the node runs in local-network mode by default. */
export function isLocalNetwork (listen: string[]): boolean {
  return listen.length > 0 && listen.every(address => {
    const host = multiaddr(address).getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
    if (host == null) return false
    return PRIVATE_V4.some(re => re.test(host)) || host === '::1' || /^f[cd]/i.test(host)
  })
}
