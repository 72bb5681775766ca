// A throw-away PostgreSQL schema for tests, benchmarks and `npm run cluster -- --fresh`: every run
// gets `tandem_test_<random>` so parallel runs never collide, and drop() removes it with its tables.
import pg from 'pg';
import { newId } from '../../../shared/schema/ids';
import { withDefaultUser } from './connectionUrl';

export interface TempSchema {
  /** The schema's name. */
  name: string;
  /** `baseUrl` with the schema selected through the connection's search_path. */
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh schema in the database of `baseUrl` and returns a URL that selects it. */
export async function createTempSchema(baseUrl: string, prefix = 'tandem_test_'): Promise<TempSchema> {
  const name = `${prefix}${newId(10).toLowerCase()}`;
  await adminQuery(baseUrl, `CREATE SCHEMA ${name}`);
  return { name, url: withSearchPath(baseUrl, name), drop: () => adminQuery(baseUrl, `DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}

/** `url` with `options=-c search_path=<schema>` set (pg passes it to the server at connect). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDefaultUser(url) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
