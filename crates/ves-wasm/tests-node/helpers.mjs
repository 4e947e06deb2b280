// Shared by the Node tests: the built package (make wasm) and the vector files.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PKG = process.env.VES_WASM_PKG || resolve(REPO, 'crates/ves-wasm/pkg/node');
if (!existsSync(resolve(PKG, 'package.json'))) {
  throw new Error(`no Node package at ${PKG}: run make wasm first`);
}
export const ves = createRequire(import.meta.url)(PKG);

// The repository's vectors; the lead moves the default into the repository when merging.
export const VECTORS_DIR = process.env.VES_VECTORS_DIR || resolve(REPO, '../shared/vectors');

export function vectorFile(name) {
  const path = resolve(VECTORS_DIR, name);
  if (!existsSync(path)) throw new Error(`vector file ${path} is missing (set VES_VECTORS_DIR)`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

export const bare = (h) => String(h).replace(/^0x/i, '').toLowerCase();
export const hex = (bytes) => Buffer.from(bytes).toString('hex');
