import { recordTarget, routingKeyTarget } from './record.js'
import type { FuzzTarget } from '../harness.js'

/** Every fuzz target, in the order `npm run fuzz` and the CI run take them. */
export const targets: FuzzTarget[] = [
  recordTarget,
  routingKeyTarget
]
