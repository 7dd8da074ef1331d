import { apiEventsTarget, apiMessagesTarget, apiRawTarget, apiRevocationsTarget, apiTarget } from './api.js'
import { configTarget, configValuesTarget } from './config.js'
import { envelopeTarget } from './envelope.js'
import { equivocationTarget } from './equivocation.js'
import { dhtSelectorTarget, dhtValidatorTarget } from './dht.js'
import { keyPushTarget, keyRequestFieldsTarget, keyRequestTarget, keyResponseTarget } from './exchange.js'
import { historyTarget } from './history.js'
import { kadAnswerTarget } from './kad-answer.js'
import { historyRequestTarget, historyResponseTarget } from './key-history.js'
import { recordTarget, routingKeyTarget } from './record.js'
import { registryTarget } from './registry.js'
import { pqkSelectorTarget, pqkValueTarget, revocationTarget } from './revocation.js'
import { sessionIdentityTarget, sessionMessage1Target, sessionMessage2Target, sessionMessage3Target, sessionMessage4Target } from './session.js'
import { verifyFileTarget } from './verify.js'
import type { FuzzTarget } from '../harness.js'

/** Every fuzz target, in the order `npm run fuzz` and the CI run take them. */
export const targets: FuzzTarget[] = [
  recordTarget,
  routingKeyTarget,
  historyTarget,
  keyRequestTarget,
  keyResponseTarget,
  keyPushTarget,
  keyRequestFieldsTarget,
  historyRequestTarget,
  historyResponseTarget,
  dhtValidatorTarget,
  dhtSelectorTarget,
  kadAnswerTarget,
  registryTarget,
  configTarget,
  configValuesTarget,
  apiTarget,
  apiRawTarget,
  apiEventsTarget,
  apiRevocationsTarget,
  apiMessagesTarget,
  revocationTarget,
  pqkValueTarget,
  pqkSelectorTarget,
  equivocationTarget,
  sessionMessage1Target,
  sessionMessage2Target,
  sessionMessage3Target,
  sessionMessage4Target,
  sessionIdentityTarget,
  envelopeTarget,
  verifyFileTarget
]
