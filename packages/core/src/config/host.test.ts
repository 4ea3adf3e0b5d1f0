import { describe, expect, it } from 'vitest';
import { DatabricksConfigError } from '../errors.js';
import { isAzureHost, normalizeHost } from './host.js';

describe('normalizeHost', () => {
  it.each([
    ['adb-1.2.azuredatabricks.net', 'https://adb-1.2.azuredatabricks.net'],
    ['https://x.cloud.databricks.com/', 'https://x.cloud.databricks.com'],
    ['https://X.Cloud.Databricks.COM/sql/1.0?o=123#frag', 'https://x.cloud.databricks.com'],
    ['  dbc-1234.cloud.databricks.com  ', 'https://dbc-1234.cloud.databricks.com'],
    ['https://host.example.com:8443/path', 'https://host.example.com:8443'],
    ['https://host.example.com:443', 'https://host.example.com'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://127.5.6.7', 'http://127.5.6.7'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:9000/x', 'http://[::1]:9000'],
    ['localhost:8080', 'https://localhost:8080'],
    // Python bug B3: lstrip("https://") eats leading h/t/p/s characters.
    ['https://sandbox.cloud.databricks.com', 'https://sandbox.cloud.databricks.com'],
    ['https://photon.cloud.databricks.com', 'https://photon.cloud.databricks.com'],
    ['https://https.cloud.databricks.com', 'https://https.cloud.databricks.com'],
    ['http://th.localhost', undefined],
    ['spark.cloud.databricks.com', 'https://spark.cloud.databricks.com'],
    ['https://tps-host.databricks.com', 'https://tps-host.databricks.com'],
  ])('%s -> %s', (input, expected) => {
    if (expected === undefined) {
      expect(() => normalizeHost(input)).toThrow(/https/);
    } else {
      expect(normalizeHost(input)).toBe(expected);
    }
  });

  it('refuses plain http to a non-loopback host and says to use https', () => {
    try {
      normalizeHost('http://adb-1.2.azuredatabricks.net');
      expect.unreachable();
    } catch (error) {
      expect(DatabricksConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/Use https:\/\//);
      expect((error as DatabricksConfigError).option).toBe('host');
    }
  });

  it.each(['', '   ', 'https://', 'https://exa mple.com', 'ftp://x.com', 'https://u:p@x.com'])(
    'rejects %j with DatabricksConfigError',
    (input) => {
      expect(() => normalizeHost(input)).toThrow(DatabricksConfigError);
    },
  );

  it('names the source of a bad value', () => {
    expect(() => normalizeHost('http://x.com', 'DATABRICKS_HOST')).toThrow(/DATABRICKS_HOST/);
  });

  it('never echoes credentials embedded in the URL', () => {
    expect(() => normalizeHost('https://user:hunter2secret@x.com')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2secret') }),
    );
  });
});

describe('isAzureHost', () => {
  it('recognises Azure clouds only', () => {
    expect(isAzureHost('https://adb-1.2.azuredatabricks.net')).toBe(true);
    expect(isAzureHost('adb-1.2.databricks.azure.cn')).toBe(true);
    expect(isAzureHost('https://dbc-1.cloud.databricks.com')).toBe(false);
    expect(isAzureHost('https://azuredatabricks.net.evil.com')).toBe(false);
  });
});
