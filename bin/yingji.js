#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` compiles it into dist/).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('yingji: not built yet. Run `npm ci && npm run build` (or scripts/demo.sh) first.');
  process.exit(1);
}
require(entry);
