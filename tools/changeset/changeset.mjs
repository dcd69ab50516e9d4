#!/usr/bin/env node
// @changesets/cli 3 declares Node >= 22.11 only because its bin calls
// module.enableCompileCache() (Node 22.1+). The CLI itself runs on Node 20, so
// this entry skips that optimisation and starts the CLI directly.
process.argv.splice(1, 1, 'changeset');
await import('@changesets/cli');
