// One transaction on one pooled connection, for the PostgreSQL stores: committed if `fn` resolves,
// rolled back and rethrown if it throws.
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../../logger';

export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, log?: Logger): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch((re: unknown) => log?.warn({ err: re }, 'rollback failed'));
    throw e;
  } finally {
    client.release();
  }
}
