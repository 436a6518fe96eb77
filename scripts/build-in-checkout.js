// npm's `prepare`: builds the collector after `npm install` / `npm ci` in a checkout (so the
// Quickstart's `npm install && npx gracc-collector` runs), and does nothing in an installed
// package, which ships dist/ already built and no sources to build from.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
if (existsSync(join(root, 'src')) && existsSync(join(root, 'tsconfig.json'))) {
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
