// When a recorded version of an object is the object as it stands: the server records a new version
// only when this is false (server/dataset/history/recordVersions.ts), and the history panel keeps
// re-reading while it is false (the server has not recorded the latest edit yet).

/** The fields a version and an object must agree on (hidden/locked are view state, not versioned). */
export interface VersionedFields {
  label: string;
  mask: { counts: string } | null;
  clicks: readonly unknown[];
  model?: string | null;
  attributes?: Readonly<Record<string, unknown>>;
}

/** Attribute values as one comparable string, whatever the order they were set in. */
export function attributesKey(a: Readonly<Record<string, unknown>> | undefined): string {
  return JSON.stringify(Object.entries(a ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** True when `version` (not a deletion) records `object`'s current label, mask, clicks, model and attributes. */
export function isCurrentVersion(version: VersionedFields & { kind: string }, object: VersionedFields): boolean {
  return (
    version.kind !== 'deleted' &&
    version.label === object.label &&
    (version.mask?.counts ?? null) === (object.mask?.counts ?? null) &&
    version.clicks.length === object.clicks.length &&
    (version.model ?? null) === (object.model ?? null) &&
    attributesKey(version.attributes) === attributesKey(object.attributes)
  );
}
