// Shared by the Node tests: the built package (make wasm) and the vector files.
import { execFileSync } from 'node:child_process';
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

// The conformance data through the project's one lookup (scripts/vectors-dir.sh: tests/vectors,
// or VES_VECTORS_DIR; every file of tests/vectors/MANIFEST present with its sha256). A missing or
// partial file fails here, with the lookup's message naming it.
function vectorsDir() {
  try {
    return execFileSync(resolve(REPO, 'scripts/vectors-dir.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    throw new Error(String(e.stderr || e.message).trim());
  }
}
export const VECTORS_DIR = vectorsDir();

export function vectorFile(name) {
  const path = resolve(VECTORS_DIR, name);
  if (!existsSync(path)) throw new Error(`vector file ${path} is missing: it is not in tests/vectors/MANIFEST, or VES_VECTORS_DIR points elsewhere`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

export const bare = (h) => String(h).replace(/^0x/i, '').toLowerCase();
export const hex = (bytes) => Buffer.from(bytes).toString('hex');
