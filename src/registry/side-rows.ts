import { RegistryError } from '../errors.js'
import { OWN_SUBLEVELS } from './constants.js'
import type { RegistryStore } from './database.js'
import type { SideRows } from './types.js'

/** Sublevel names other layers may use: short, lower-case, and none of the registry's own. */
const SIDE_ROW_NAME = /^[a-z][a-z0-9-]{0,31}$/

/** Another layer's rows under sublevel `name` of the registry's database (see SideRows); ERR_BAD_SIDE_ROWS for a name the registry keeps for itself. */
export function sideRows (store: RegistryStore, name: string): SideRows {
  if (!SIDE_ROW_NAME.test(name) || OWN_SUBLEVELS.includes(name)) {
    throw new RegistryError('ERR_BAD_SIDE_ROWS', `"${name}" cannot name another layer's rows: it must be lower-case letters, digits and dashes, and none of the registry's own sublevels (${OWN_SUBLEVELS.join(', ')})`)
  }
  return store.sideRows(name)
}
