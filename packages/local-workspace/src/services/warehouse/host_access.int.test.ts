/**
 * The unmodified `@databricks/sql` driver against a workspace started as an application would:
 * statements that would read or write the machine's files, load extensions, attach databases or
 * change DuckDB's configuration are refused with Databricks' error, and have no effect.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedStatements } from '../../engine/dialect/testing_host_access.js';
import { type LocalWorkspace, startLocalWorkspace } from '../../workspace.js';
import { type Client, connectDriver } from './testing/driver.js';

type Session = Awaited<ReturnType<Client['openSession']>>;

describe('host access through the driver', () => {
  let directory: string;
  let ws: LocalWorkspace;
  let client: Client;
  let session: Session;

  const rows = async (sql: string): Promise<unknown[]> => {
    const operation = await session.executeStatement(sql);
    try {
      return await operation.fetchAll();
    } finally {
      await operation.close();
    }
  };

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'lc-host-access-driver-'));
    const people = join(directory, 'people.csv');
    await writeFile(people, 'id,name\n1,Ada\n2,Linus\n');
    ws = await startLocalWorkspace({
      catalog: { samples: false, data: [{ table: 'main.default.people', path: people }] },
    });
    client = await connectDriver(ws);
    session = await client.openSession({ initialCatalog: 'main', initialSchema: 'default' });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await ws?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('reads the data the workspace loaded at start', async () => {
    expect(await rows('SELECT name FROM people ORDER BY id')).toEqual([
      { name: 'Ada' },
      { name: 'Linus' },
    ]);
  });

  it.each(refusedStatements('<dir>'))(
    'refuses %s with %s',
    async (template, errorClass, sqlState) => {
      const sql = template.replaceAll('<dir>', directory);
      await expect(rows(sql)).rejects.toMatchObject({
        message: expect.stringMatching(
          new RegExp(`^\\[${errorClass}\\] .+ SQLSTATE: ${sqlState}$`, 's'),
        ),
      });
      for (const name of ['x.csv', 'x.db', 'export']) {
        expect(existsSync(join(directory, name))).toBe(false);
      }
    },
  );
});
