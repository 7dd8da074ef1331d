import { isIP } from 'node:net'

/** Whether an API host is reachable only from this machine. */
export function isLoopbackHost (host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1' || host === '0:0:0:0:0:0:0:1'
}

/** The name in a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`), or undefined when it is not one. */
function hostName (host: string): string | undefined {
  let name: string
  let port: string
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    if (end < 0) return undefined
    name = host.slice(1, end)
    if (isIP(name) !== 6) return undefined
    port = host.slice(end + 1)
  } else {
    const colon = host.indexOf(':')
    name = colon < 0 ? host : host.slice(0, colon)
    port = colon < 0 ? '' : host.slice(colon)
  }
  if (port !== '' && (!/^:\d{1,5}$/.test(port) || Number(port.slice(1)) > 65535)) return undefined
  return name.toLowerCase()
}

/**
 * Whether a request's Host header names this API, so that a web page whose
 * name an attacker rebinds to 127.0.0.1 cannot read it (DNS rebinding):
 * `localhost`, a 127.0.0.0/8 literal or `[::1]`, with or without a port; the
 * host the API listens on (`listenHost`, as configured); and, when it
 * listens on every address (`0.0.0.0`, `::`), any IP literal, since a
 * rebinding page always has a name.
 */
export function hostAllowed (host: string, listenHost: string | undefined): boolean {
  const name = hostName(host)
  if (name === undefined || name === '') return false
  if (isLoopbackHost(name)) return true
  if (listenHost === undefined) return false
  const listen = listenHost.toLowerCase()
  if (name === listen) return true
  return (listen === '0.0.0.0' || listen === '::') && isIP(name) !== 0
}
