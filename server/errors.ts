// Maps error codes to HTTP statuses and turns any thrown value into the wire shape
// `{"error": {"code", "message"}}`. Unknown errors become `internal` and are logged with their stack;
// their message never reaches the client.
import { ErrorCode, TandemError, isTandemError, type ErrorBody } from '../shared/protocol/errors';
import type { Logger } from './logger';

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  click_outside_image: 400,
  too_many_clicks: 400,
  malformed_frame: 400,
  unknown_model: 400,
  invalid_image: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  read_only: 403,
  not_found: 404,
  unknown_room: 404,
  conflict: 409,
  payload_too_large: 413,
  image_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  stale: 409,
  internal: 500,
  worker_failed: 502,
  busy: 503,
  no_worker: 503,
  unavailable: 503,
  timeout: 504,
};

/** The HTTP status for an error code. */
export function httpStatus(code: ErrorCode): number {
  return statusByCode[code] ?? 500;
}

/** The status and body to answer for any thrown value; logs unexpected errors once. */
export function errorResponse(e: unknown, log: Logger, context: Record<string, unknown> = {}): { status: number; body: { error: ErrorBody } } {
  if (isTandemError(e)) {
    const status = httpStatus(e.code);
    if (status >= 500) log.error({ ...context, err: e, code: e.code }, 'request failed');
    else log.debug({ ...context, code: e.code, msg: e.message }, 'request refused');
    return { status, body: { error: e.toBody() } };
  }
  log.error({ ...context, err: e }, 'unexpected error');
  return { status: 500, body: { error: { code: ErrorCode.Internal, message: 'internal server error' } } };
}

/** Shorthand constructors used across the server. */
export const fail = {
  notFound: (what: string) => new TandemError(ErrorCode.NotFound, `${what} not found`),
  forbidden: (why: string) => new TandemError(ErrorCode.Forbidden, why),
  badRequest: (why: string) => new TandemError(ErrorCode.BadRequest, why),
};
