/**
 * The logger keydir's layers write their key events to. It is the shape of
 * pino's API, so the daemon passes a pino logger and a library user may pass
 * their own; by default nothing is logged.
 */
export interface KeydirLogger {
  debug (fields: Record<string, unknown>, message: string): void
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
  /** pino's: lets a hot path skip building fields nobody will write. */
  isLevelEnabled?: (level: 'debug' | 'info' | 'warn' | 'error') => boolean
}

const ignore = (): void => {}

export const silentLogger: KeydirLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore }
