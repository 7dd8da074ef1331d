/** The keydir node: builds libp2p, wires the services, owns start/stop. */
export { createKeyDirectory, KeydirNode } from './key-directory.js'
export { parseBootstrap, type BootstrapPeer } from './anchors.js'
export { resolvedKeys } from './resolved-keys.js'
export type * from './types.js'
