declare const __PACKAGE_VERSION__: string;

/** The version of @lakechain/genie, injected at build time. */
export const VERSION: string =
  typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';

/** Sent as an extra `User-Agent` product so workspace admins can see which client called. */
export const USER_AGENT = `lakechain-genie/${VERSION}`;
