// Every environment variable a module of js/ or load/ reads is declared in js/variables.js (as a
// variable users set, or as internal to the script that reads it), every declared variable is
// read somewhere, and every key of a profile's `ves.env` block is declared. Exit 1 otherwise.
//
// A read is what the kit's modules write: `__ENV.NAME`, `env.NAME` (any lower-case object, such
// as `env`, `e` or `source`), `obj['NAME']`, a destructuring `{ NAME } = __ENV`, and config.js's
// `get('NAME')` / `read('NAME')` / `variable('NAME')`. Property names in capitals on a capitalized
// object (`DOMAIN.LEAF`, `Number.MAX_SAFE_INTEGER`) are constants, not reads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INTERNAL_VARIABLES, VARIABLES } from '../../js/variables.js';

const root = new URL('../..', import.meta.url).pathname;
const modules = ['js', 'load'].flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.js')).map((f) => `${dir}/${f}`));
const NAME = '[A-Z][A-Z0-9_]*';
const PATTERNS = [
  new RegExp(`(?<![\\w$.])[a-z_$][\\w$]*\\.(${NAME})\\b`, 'g'),
  new RegExp(`(?<![\\w$.])[a-z_$][\\w$]*\\[\\s*['"](${NAME})['"]\\s*\\]`, 'g'),
  new RegExp(`\\b(?:get|read|variable)\\(\\s*['"](${NAME})['"]`, 'g'),
];
const DESTRUCTURED = /\{([^{}]*)\}\s*=\s*(?:__ENV|env|source)\b/g;

const declared = new Set(VARIABLES.map((v) => v.name));
const problems = [];
const readAnywhere = new Set();
let reads = 0;
for (const file of modules) {
  if (file === 'js/variables.js') continue;
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  const names = new Set();
  for (const re of PATTERNS) for (const m of text.matchAll(re)) names.add(m[1]);
  for (const m of text.matchAll(DESTRUCTURED)) {
    for (const part of m[1].split(',')) {
      const key = part.split(':')[0].trim();
      if (new RegExp(`^${NAME}$`).test(key)) names.add(key);
    }
  }
  for (const name of names) {
    reads++;
    readAnywhere.add(name);
    const internal = INTERNAL_VARIABLES.some((v) => v.name === name && v.script === file);
    if (!declared.has(name) && !internal) {
      problems.push(`${file} reads ${name}, which js/variables.js does not declare: add it to VARIABLES (or, when only ${file} reads it and users do not set it, to INTERNAL_VARIABLES)`);
    }
  }
}
for (const v of VARIABLES.concat(INTERNAL_VARIABLES)) {
  if (!readAnywhere.has(v.name)) problems.push(`${v.name} is declared in js/variables.js but no module of js/ or load/ reads it`);
}
for (const dir of ['load/profiles', 'load/config']) {
  for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.json'))) {
    const env = (JSON.parse(readFileSync(join(root, dir, f), 'utf8')).ves || {}).env || {};
    for (const name of Object.keys(env)) {
      if (!declared.has(name)) problems.push(`${dir}/${f} sets ves.env.${name}, which js/variables.js does not declare`);
    }
  }
}
for (const p of problems) console.log(`FAIL ${p}`);
console.log(`env reads: ${readAnywhere.size} variables in ${reads} reads by ${modules.length - 1} modules; ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
