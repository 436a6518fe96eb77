#!/usr/bin/env node
// Compiles every src/**/*.wat to the same place under dist/ as a .wasm file, with wabt.
// Run by `npm run build` after tsc.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function watFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return watFiles(p);
    return e.name.endsWith('.wat') ? [p] : [];
  });
}

async function main() {
  const wabt = await require('wabt')();
  for (const source of watFiles(path.join(root, 'src'))) {
    const module = wabt.parseWat(path.relative(root, source), fs.readFileSync(source, 'utf8'));
    try {
      module.validate();
      const target = path.join(root, 'dist', path.relative(root, source)).replace(/\.wat$/, '.wasm');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, Buffer.from(module.toBinary({}).buffer));
    } finally {
      module.destroy();
    }
  }
}

main().catch((e) => {
  console.error(`build-wasm: ${e.message}`);
  process.exit(1);
});
