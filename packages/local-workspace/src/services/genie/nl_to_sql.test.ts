import { describe, expect, it } from 'vitest';
import { parseSqlReply } from './nl_to_sql.js';

describe('parseSqlReply', () => {
  it('reads the JSON asked for, a fenced SQL block, bare SQL, or text', () => {
    expect(parseSqlReply('```json\n{"sql": "SELECT 1", "description": "one"}\n```')).toEqual({
      sql: 'SELECT 1',
      description: 'one',
      text: undefined,
    });
    expect(parseSqlReply('{"sql": "", "description": "", "text": "Which year?"}')).toMatchObject({
      sql: undefined,
      text: 'Which year?',
    });
    expect(parseSqlReply('Here:\n```sql\nSELECT 2\n```')).toEqual({ sql: 'SELECT 2' });
    expect(parseSqlReply('select 3')).toEqual({ sql: 'select 3' });
    expect(parseSqlReply('I cannot help.')).toEqual({ text: 'I cannot help.' });
  });
});
