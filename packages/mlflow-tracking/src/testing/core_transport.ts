/** Core's real HTTP transport, with test-friendly retry settings: tests use no other HTTP layer. */
import {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
} from '@lakechain/core';

export async function coreTransport(options: HttpTransportOptions = {}): Promise<HttpTransport> {
  return createHttpTransport(options);
}
