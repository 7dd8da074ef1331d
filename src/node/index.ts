/** The keydir node: the composition root that builds libp2p with keydir's services, and the KeyDirectory facade. */
export { createKeyDirectory } from './create.js'
export { KeydirNode, libp2pOf } from './key-directory.js'
export { BootstrapKeeper, bootstrapKeeper } from './bootstrap.js'
export { parseBootstrap, type BootstrapPeer } from './anchors.js'
export { resolvedKeys } from './resolved-keys.js'
export { KEY_CHANGE_KINDS, isKeyChangeKind } from './events.js'
export type * from './types.js'
