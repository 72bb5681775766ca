/**
 * WebSocket close codes of the `/sync` endpoint. 4000-4999 is the application range of RFC 6455;
 * the last three digits mirror the HTTP status they correspond to.
 */
export const CloseCode = {
  /** Server shutting down; reconnect later. */
  GoingAway: 1001,
  /** The user's access changed (a new role): reconnect, and the server applies the new one. */
  Reconnect: 1012,
  /** A frame was larger than the configured limit. */
  MessageTooBig: 1009,
  /** A frame could not be decoded as a y-websocket message. */
  MalformedFrame: 4400,
  /** Missing, unknown or expired token. */
  Unauthorized: 4401,
  /** The token is valid but the user has no access to this room's project. */
  Forbidden: 4403,
  /** The room name is not `task:<id>` / `review:<id>` of an existing task. */
  UnknownRoom: 4404,
  /** Unexpected server failure while loading or storing the room. */
  Internal: 4500,
} as const;

/** One of the {@link CloseCode} values. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
