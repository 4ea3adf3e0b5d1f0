import { describe, expect, it } from 'vitest';
import { ApiError } from '../../platform/errors.js';
import { compileDictionaryFilter, compileQueryFilter, compileStringFilter } from './filters.js';

const columns = new Set(['id', 'color', 'price', 'text', 'tags', 'day']);
const rows = [
  {
    id: 'a',
    color: 'red',
    price: 3,
    text: 'Red apples',
    tags: ['fruit', 'sweet'],
    day: '2024-01-05',
  },
  {
    id: 'b',
    color: 'green',
    price: 5,
    text: 'green apples and pears',
    tags: ['fruit'],
    day: '2024-02-01',
  },
  {
    id: 'c',
    color: 'red',
    price: 12,
    text: 'red cherries',
    tags: ['fruit', 'sour'],
    day: '2023-12-31',
  },
  { id: 'd', color: null, price: 8, text: 'blue berries', tags: [], day: null },
];
const ids = (predicate: (row: Record<string, unknown>) => boolean) =>
  rows.filter(predicate).map((row) => row.id);

describe('dictionary filters (filters_json)', () => {
  it('equality, IN, NOT, ranges, LIKE tokens and OR keys', () => {
    const run = (filter: object) => ids(compileDictionaryFilter(filter, columns));
    expect(run({ color: 'red' })).toEqual(['a', 'c']);
    expect(run({ color: ['red', 'green'] })).toEqual(['a', 'b', 'c']);
    expect(run({ 'color NOT': 'red' })).toEqual(['b']);
    expect(run({ 'color NOT': ['red', 'green'] })).toEqual([]);
    expect(run({ 'price >': 3, 'price <=': 8 })).toEqual(['b', 'd']);
    expect(run({ 'day >=': '2024-01-01' })).toEqual(['a', 'b']);
    expect(run({ 'text LIKE': 'apples' })).toEqual(['a', 'b']);
    expect(run({ 'text LIKE': 'RED' })).toEqual(['a', 'c']);
    expect(run({ 'text LIKE': 'app' })).toEqual([]);
    expect(run({ 'text NOT LIKE': 'apples' })).toEqual(['c', 'd']);
    expect(run({ tags: 'sour' })).toEqual(['c']);
    expect(run({ tags: ['sweet', 'sour'] })).toEqual(['a', 'c']);
    expect(run({ 'color OR price': ['green', 12] })).toEqual(['b', 'c']);
    expect(run({ color: null })).toEqual(['d']);
  });

  it('refuses unknown columns, operators and malformed values with 400', () => {
    expect(() => compileDictionaryFilter({ colour: 'red' }, columns)).toThrow(/colour/);
    expect(() => compileDictionaryFilter({ 'price ~': 1 }, columns)).toThrow(ApiError);
    expect(() => compileDictionaryFilter({ 'price <': [1, 2] }, columns)).toThrow(/compares/);
    expect(() => compileDictionaryFilter({ 'color OR price': ['red'] }, columns)).toThrow(
      /2 values/,
    );
  });
});

describe('SQL-like filter strings (filter_string)', () => {
  const run = (filter: string) => ids(compileStringFilter(filter, columns));

  it('comparisons, boolean logic, IN, LIKE, BETWEEN, IS NULL and array_contains', () => {
    expect(run("color = 'red' AND price > 5")).toEqual(['c']);
    expect(run("color IN ('red', 'green') OR price BETWEEN 4 AND 8")).toEqual(['a', 'b', 'c', 'd']);
    expect(run('price BETWEEN 4 AND 8')).toEqual(['b', 'd']);
    expect(run("NOT (color = 'red') AND text LIKE '%an%'")).toEqual(['b']);
    expect(run("text LIKE 'red%'")).toEqual(['c']);
    expect(run('color IS NULL')).toEqual(['d']);
    expect(run("color NOT IN ('red')")).toEqual(['b']);
    expect(run("array_contains(tags, 'sour')")).toEqual(['c']);
    expect(run("price != 3 AND (color = 'green' OR price >= 12)")).toEqual(['b', 'c']);
    expect(run("text = 'it''s'")).toEqual([]);
  });

  it('says where a filter string is wrong', () => {
    expect(() => compileStringFilter('colour = 1', columns)).toThrow(/colour/);
    expect(() => compileStringFilter("color = 'red' AND", columns)).toThrow(/position/);
    expect(() => compileStringFilter('price >', columns)).toThrow(/expected a value/);
  });

  it('takes filters_json as a JSON string, and refuses both syntaxes at once', () => {
    expect(
      ids(compileQueryFilter({ filters_json: '{"color": "red"}' }, columns) ?? (() => true)),
    ).toEqual(['a', 'c']);
    expect(
      compileQueryFilter({ filters_json: null, filter_string: null }, columns),
    ).toBeUndefined();
    expect(() =>
      compileQueryFilter({ filters_json: '{}', filter_string: 'price > 1' }, columns),
    ).toThrow(/not both/);
  });
});
