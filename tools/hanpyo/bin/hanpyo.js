#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in ../dist (built by `npm install` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write(
    'hanpyo: not built yet; run `npm run build` (or `npm test` / `npm start`) first\n',
  );
  process.exit(2);
}
await import(main);
