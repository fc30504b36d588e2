#!/usr/bin/env node
// `npx steward`: the compiled command when `npm run build` has made it (as in the Docker image),
// otherwise scripts/steward.ts through ts-node, so a checkout needs no build.
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const compiled = path.join(root, 'dist', 'scripts', 'steward.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  // The checkout's tsconfig.json, wherever the command is run from: the entities need its decorator settings.
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
  require(path.join(root, 'scripts', 'steward.ts'));
}
