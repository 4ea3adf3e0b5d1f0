#!/usr/bin/env node
// Committed entry point, so package managers can link the bin before the package is built.
await import('../dist/cli.js');
