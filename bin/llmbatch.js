#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx (a built dist/ is used when present).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const built = join(__dirname, '..', 'dist', 'client', 'cli.js');
if (existsSync(built)) {
  require(built).main(process.argv);
} else {
  require('tsx/cjs');
  require('../client/cli.ts').main(process.argv);
}
