import { ResolveError } from '../errors.js'
import type { PeerId } from '@libp2p/interface'

/** A resolve of a peer this node holds an equivocation proof of. */
export function equivocatedError (peerId: PeerId, seq: number): ResolveError {
  return new ResolveError('ERR_EQUIVOCATION',
    `${peerId.toString()} equivocated: it signed two different key records with seq ${seq}, so no key of it may be used ` +
    `(the proof: GET /v1/evidence/${peerId.toString()}, check it with \`keydir verify --evidence FILE\`); ask its operator what happened to its keys`)
}
