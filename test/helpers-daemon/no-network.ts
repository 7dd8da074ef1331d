/**
 * A preload (`node --import`) that takes the network away from a process:
 * any TCP or IPC connect, any listen and any DNS lookup writes
 * `NETWORK USED: <what>` to stderr and throws. For commands that must work
 * offline (`keydir verify`): a test asserts the marker never appears.
 */
import dns from 'node:dns'
import net from 'node:net'

function refuse (what: string): never {
  process.stderr.write(`NETWORK USED: ${what}\n`)
  throw new Error(`this process must not use the network (${what})`)
}

net.Socket.prototype.connect = function connect () { refuse('connect') }
net.Server.prototype.listen = function listen () { refuse('listen') } as never
dns.lookup = function lookup () { refuse('dns lookup') } as never
dns.promises.lookup = async function lookup () { refuse('dns lookup') }
