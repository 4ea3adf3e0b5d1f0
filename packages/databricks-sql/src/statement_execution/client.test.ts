/**
 * `chunks()` of a result whose only chunk is inline in the StatementResponse: no request is
 * sent, so no workspace is needed. The decoders are chosen once per result from its manifest.
 */
import { DatabricksClient, resolveConfig } from '@lakechain/core';
import { describe, expect, it } from 'vitest';
import { type DecodedChunk, StatementExecutionClient } from './client.js';
import type { StatementResponse } from './wire.js';

async function offlineClient(): Promise<StatementExecutionClient> {
  const config = await resolveConfig({ host: 'https://offline.invalid', token: 'unused', env: {} });
  // Any request would fail: the inline chunk must be read without one.
  const fetch = () => Promise.reject(new Error('no request expected'));
  return new StatementExecutionClient({ client: new DatabricksClient({ config, fetch }), fetch });
}

function inlineResponse(): StatementResponse {
  return {
    statement_id: 'inline',
    status: { state: 'SUCCEEDED' },
    manifest: {
      format: 'JSON_ARRAY',
      schema: {
        column_count: 3,
        // Out of order on purpose: values follow `position`, not the list order.
        columns: [
          { name: 'day', position: 2, type_name: 'DATE', type_text: 'DATE' },
          { name: 'id', position: 0, type_name: 'LONG', type_text: 'BIGINT' },
          { name: 'amount', position: 1, type_name: 'DOUBLE', type_text: 'DOUBLE' },
        ],
      },
      total_chunk_count: 1,
    },
    result: {
      chunk_index: 0,
      row_offset: 0,
      data_array: [
        ['9007199254740993', '1.5', '2024-02-29'],
        ['-7', null, null],
      ],
    },
  };
}

async function readAll(
  api: StatementExecutionClient,
  response: StatementResponse,
): Promise<DecodedChunk[]> {
  const chunks: DecodedChunk[] = [];
  for await (const chunk of api.chunks(response)) chunks.push(chunk);
  return chunks;
}

describe('StatementExecutionClient.chunks (inline result)', () => {
  it('decodes each column by its type, in position order', async () => {
    const api = await offlineClient();
    expect(await readAll(api, inlineResponse())).toEqual([
      {
        chunkIndex: 0,
        rowOffset: 0,
        rows: [
          [9007199254740993n, 1.5, new Date(Date.UTC(2024, 1, 29))],
          [-7n, null, null],
        ],
      },
    ]);
    await api.close();
  });

  it("leaves the caller's response as it was, so it can be read again", async () => {
    const api = await offlineClient();
    const response = inlineResponse();
    const first = await readAll(api, response);
    expect(response).toEqual(inlineResponse());
    expect(await readAll(api, response)).toEqual(first);
    await api.close();
  });
});
