import { ExchangeError } from '../errors.js'
import { wireFormProblem, type WireSchema } from '../util/wire-form.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/**
 * The wire form of an exchange or history message, checked before protons
 * reads it (docs/exchange.md, "Wire form"): ERR_MESSAGE_MALFORMED for bytes
 * that are not a message of `schema`, ERR_MESSAGE_NOT_CANONICAL for a
 * second encoding of one. Returns the bytes, in one piece.
 */
export function requireWireForm (input: Uint8Array | Uint8ArrayList, schema: WireSchema, what: string): Uint8Array {
  const bytes = input instanceof Uint8Array ? input : input.subarray()
  switch (wireFormProblem(bytes, schema)) {
    case 'malformed':
      throw new ExchangeError('ERR_MESSAGE_MALFORMED', `${what} is not a valid protobuf message`)
    case 'not-canonical':
      throw new ExchangeError('ERR_MESSAGE_NOT_CANONICAL', `${what} is not in its canonical encoding (fields out of order, repeated, unknown, holding their default or not minimally encoded)`)
    case undefined:
      return bytes
  }
}
