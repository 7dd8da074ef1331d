/** The resolution order: registry, anchors, DHT, direct exchange. */
export { Resolver, parsePeerId, type AskedAs, type ResolvedRecord, type ResolveSource, type ResolverComponents, type ResolverInit, type ResolveOptions, type ResolvePathDetail, type ResolveProgressEvents } from './resolver.js'
export { equivocatedError } from './equivocated.js'
