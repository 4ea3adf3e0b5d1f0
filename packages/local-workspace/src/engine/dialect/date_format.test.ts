import { describe, expect, test } from 'vitest';
import { javaToStrftime } from './date_format.js';

describe('javaToStrftime', () => {
  test.each([
    ['yyyy-MM-dd', '%Y-%m-%d'],
    ['yyyy-MM-dd HH:mm:ss', '%Y-%m-%d %H:%M:%S'],
    ['MMM d, yyyy', '%b %-d, %Y'],
    ["yyyy'T'HH", '%YT%H'],
    ['EEEE hh a', '%A %I %p'],
    ['HH:mm:ss.SSS', '%H:%M:%S.%g'],
    ['100%', '100%%'],
  ])('%s → %s', (java, strf) => {
    expect(javaToStrftime(java)).toBe(strf);
  });
});
