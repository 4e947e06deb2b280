/**
 * guard() and guardAsync(): wrap an exec function so that a script error fails the run (k6
 * alone only logs it), and tag the iteration's requests for WARMUP (warmup.js).
 *
 * @module guard
 */
import { check } from 'k6';
import exec from 'k6/execution';
import { parseWarmup, tagWarmup } from './warmup.js';

/**
 * Wraps an exec function so that a JavaScript error in it fails the `checks` threshold: k6 only
 * logs an exception in an iteration, which would let a broken scenario pass.
 * @template T
 * @param {string} name shown in the check and the log
 * @param {(data: T) => void} fn
 * @returns {(data: T) => void}
 */
export function guard(name, fn) {
  return function guarded(data) {
    try {
      tagWarmup(warmupMs());
      fn(data);
    } catch (e) {
      check(null, { [`${name}: no script error`]: () => false });
      console.error(`ves-k6 [VU ${exec.vu.idInTest}] ${name}: script error: ${e && e.stack ? e.stack : e}`);
    }
  };
}

/**
 * guard() for an async exec function (one that awaits, e.g. k6/experimental/fs reads): a
 * rejected promise fails the `checks` threshold the same way.
 * @template T
 * @param {string} name
 * @param {(data: T) => Promise<void>} fn
 * @returns {(data: T) => Promise<void>}
 */
export function guardAsync(name, fn) {
  return async function guarded(data) {
    try {
      tagWarmup(warmupMs());
      await fn(data);
    } catch (e) {
      check(null, { [`${name}: no script error`]: () => false });
      console.error(`ves-k6 [VU ${exec.vu.idInTest}] ${name}: script error: ${e && e.stack ? e.stack : e}`);
    }
  };
}

let warmup = null;
// WARMUP of the run (validated by config(); read here so that guard() needs no cfg).
function warmupMs() {
  if (warmup === null) warmup = parseWarmup(typeof __ENV !== 'undefined' ? __ENV.WARMUP : undefined);
  return warmup;
}
