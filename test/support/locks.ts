import type pg from 'pg';

/**
 * Runs `work` while an owner connection holds a lock taken by `lockSql` (e.g. `LOCK TABLE t IN ACCESS EXCLUSIVE
 * MODE`, or a `SELECT ... FOR UPDATE`) in an open transaction, so the app's statements that need it wait. `work` may
 * release it early (then waits on what follows); it is released at the end in any case.
 */
export async function whileHolding<T>(owner: pg.Pool, lockSql: string, params: unknown[], work: (release: () => Promise<void>) => Promise<T>): Promise<T> {
  const client = await owner.connect();
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    try {
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
  try {
    await client.query('BEGIN');
    await client.query(lockSql, params);
    return await work(release);
  } finally {
    await release();
  }
}
