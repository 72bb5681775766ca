// One root logger, created from config; modules get child loggers with { module }.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; nodeId?: string }): Logger {
  return pino({
    level: opts.level,
    base: opts.nodeId ? { node: opts.nodeId } : undefined,
    // Tokens never reach the logs, wherever they appear.
    redact: {
      paths: ['token', '*.token', 'auth.token', 'headers.authorization', 'req.headers.authorization', 'query.token'],
      censor: '[redacted]',
    },
  });
}
