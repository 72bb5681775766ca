// Thrown by both backends' migrate() when the database records a schema version newer than the
// newest migration this code has: a newer Tandem wrote it, and this one would misread or damage it.
// Not a TandemError: no client ever sees it (its code is not a wire code); it stops startup, like
// ConfigError. Both backends check inside the migration transaction, before running anything, and
// roll back, so the database is left exactly as it was.

/** The backend whose database was refused. */
export type SchemaBackend = 'sqlite' | 'postgres';

export class SchemaTooNewError extends Error {
  readonly code = 'schema_too_new';
  constructor(
    readonly backend: SchemaBackend,
    /** The version the database records (PRAGMA user_version, or max(version) of schema_migrations). */
    readonly databaseVersion: number,
    /** The newest version this code can migrate to. */
    readonly supportedVersion: number,
  ) {
    super(
      `the ${backend} database has schema version ${databaseVersion}, newer than this Tandem supports (${supportedVersion}); ` +
        'upgrade Tandem to the release that wrote it (the database was left unchanged)',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Throws {@link SchemaTooNewError} when `databaseVersion` is past `supportedVersion`. */
export function refuseNewerSchema(backend: SchemaBackend, databaseVersion: number, supportedVersion: number): void {
  if (databaseVersion > supportedVersion) throw new SchemaTooNewError(backend, databaseVersion, supportedVersion);
}
