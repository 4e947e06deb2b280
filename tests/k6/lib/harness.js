// Helpers shared by the k6 tests (docs/CONTRIBUTING.md): every assertion is a k6 check(), the
// script exports `checks: ['rate==1']` and a lower bound on `conformance_cases`, so a failing
// or silently empty test makes k6 exit non-zero. Failures are logged with details (the first
// few per category); per-category case counts are logged at the end.
import { check } from 'k6';
import { Counter } from 'k6/metrics';

export const conformanceCases = new Counter('conformance_cases');

const MAX_LOGGED_PER_CATEGORY = 5;

/**
 * Options for a single-iteration test: with `skipReason` no thresholds (nothing is claimed),
 * otherwise every check must pass and at least `minCases` cases must run.
 */
export function testOptions(skipReason, minCases) {
  const options = { scenarios: { test: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '10m' } } };
  if (!skipReason) {
    options.thresholds = { checks: ['rate==1'], conformance_cases: [`count>=${minCases}`] };
  }
  return options;
}

/** Logs the skip marker that scripts/k6-tests.sh looks for. */
export function skip(testName, reason) {
  console.warn(`ves-test: SKIP ${testName}: ${reason}`);
}

/**
 * Reads a JSON file in init context. Returns {value} or {error}.
 * @param {string} path absolute
 */
export function readJson(path) {
  let text;
  try {
    text = open(path);
  } catch (e) {
    return { error: `cannot read ${path}: ${e}` };
  }
  try {
    return { value: JSON.parse(text), text };
  } catch (e) {
    return { error: `${path} is not valid JSON: ${e}` };
  }
}

export class Harness {
  constructor(testName) {
    this.testName = testName;
    this.cases = {}; // category -> vector cases run
    this.checks = {}; // category -> assertions
    this.failures = {}; // category -> failed assertions
    this.skipped = []; // [category, reason, count]
  }

  /** Counts one vector case of a category (the unit of conformance_cases). */
  case(category) {
    this.cases[category] = (this.cases[category] || 0) + 1;
    conformanceCases.add(1);
  }

  /** Asserts `ok`; `detail` (string or function) explains a failure. */
  ok(category, ok, detail) {
    this.checks[category] = (this.checks[category] || 0) + 1;
    const passed = ok === true;
    check(null, { [category]: () => passed });
    if (!passed) {
      const n = (this.failures[category] = (this.failures[category] || 0) + 1);
      if (n <= MAX_LOGGED_PER_CATEGORY) {
        console.error(`FAIL ${this.testName} [${category}] ${typeof detail === 'function' ? detail() : detail || ''}`);
      }
    }
    return passed;
  }

  /** Asserts actual === expected (strings, numbers, booleans). */
  eq(category, actual, expected, label) {
    return this.ok(category, actual === expected, () => `${label || ''}: expected ${show(expected)}, got ${show(actual)}`);
  }

  /** Asserts that fn throws, and that the message matches `pattern` when given. */
  throws(category, fn, pattern, label) {
    try {
      fn();
    } catch (e) {
      const message = String(e && e.message ? e.message : e);
      return this.ok(category, !pattern || pattern.test(message), () => `${label || ''}: threw "${message}", which does not match ${pattern}`);
    }
    return this.ok(category, false, () => `${label || ''}: expected an exception, none was thrown`);
  }

  /** Runs fn; an exception is a failed check (so one broken case does not hide the others). */
  guard(category, label, fn) {
    try {
      return fn();
    } catch (e) {
      this.ok(category, false, () => `${label}: threw ${e && e.stack ? e.stack : e}`);
      return undefined;
    }
  }

  /** Records a deliberately skipped part, with its reason (logged by finish). */
  skipPart(category, reason, count = 1) {
    this.skipped.push([category, reason, count]);
  }

  /** Logs per-category counts and returns the number of failed assertions. */
  finish() {
    const names = Object.keys(Object.assign({}, this.cases, this.checks)).sort();
    let failed = 0;
    let total = 0;
    for (const name of names) {
      const f = this.failures[name] || 0;
      failed += f;
      total += this.checks[name] || 0;
      console.log(`${this.testName}: ${name}: ${this.cases[name] || 0} cases, ${this.checks[name] || 0} checks, ${f} failed`);
    }
    for (const [category, reason, count] of this.skipped) {
      console.log(`${this.testName}: skipped ${category} (${count}): ${reason}`);
    }
    const caseTotal = Object.values(this.cases).reduce((a, b) => a + b, 0);
    console.log(`${this.testName}: ${caseTotal} cases, ${total} checks, ${failed} failed`);
    return failed;
  }
}

/** Flips the lowest bit of the last hex digit of a hex string. */
export function flipLastBit(hex) {
  const last = parseInt(hex[hex.length - 1], 16) ^ 1;
  return hex.slice(0, -1) + last.toString(16);
}

/** Flips one bit of the first byte of a hex string. */
export function flipFirstBit(hex) {
  const first = parseInt(hex[0], 16) ^ 8;
  return first.toString(16) + hex.slice(1);
}

function show(v) {
  if (typeof v === 'string') return v.length > 200 ? JSON.stringify(v.slice(0, 200)) + '…' : JSON.stringify(v);
  return String(v);
}
