/**
 * Error codes shared by the HTTP API, the sync endpoint and the socket.io namespaces.
 * Every error a client sees is `{ code, message }` with a code from this list.
 */
export const ErrorCode = {
  BadRequest: 'bad_request',
  InvalidJson: 'invalid_json',
  ValidationFailed: 'validation_failed',
  Unauthorized: 'unauthorized',
  TokenExpired: 'token_expired',
  Forbidden: 'forbidden',
  ReadOnly: 'read_only',
  NotFound: 'not_found',
  UnknownRoom: 'unknown_room',
  Conflict: 'conflict',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  InvalidImage: 'invalid_image',
  ImageTooLarge: 'image_too_large',
  MalformedFrame: 'malformed_frame',
  ClickOutsideImage: 'click_outside_image',
  TooManyClicks: 'too_many_clicks',
  UnknownModel: 'unknown_model',
  RateLimited: 'rate_limited',
  Busy: 'busy',
  Timeout: 'timeout',
  Stale: 'stale',
  WorkerFailed: 'worker_failed',
  NoWorker: 'no_worker',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The wire shape of an error: `{"error": {"code", "message"}}` over HTTP, `{ok: false, error}` over socket.io. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/**
 * An error that carries a protocol code. Inner code throws it; boundaries (HTTP handler, socket
 * wrapper, sync hooks, worker port) log it once and answer `{ code, message }`.
 */
export class TandemError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TandemError';
    this.code = code;
  }
  /** The wire form of this error. */
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** True when `e` is a {@link TandemError}. */
export function isTandemError(e: unknown): e is TandemError {
  return e instanceof TandemError;
}
