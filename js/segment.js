/**
 * Execution segments (`k6 run --execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1`):
 * which part of a test this process runs, as a tag for file names, so that processes sharing
 * RESULTS_DIR do not overwrite each other's files (docs/SCALE.md).
 *
 * @module segment
 */
import exec from 'k6/execution';

/**
 * The process's execution segment (`"0:1/2"`), or '' when it runs the whole test.
 * @returns {string}
 */
export function executionSegment() {
  try {
    const s = exec.test.options.executionSegment;
    return s === null || s === undefined ? '' : String(s);
  } catch (e) {
    return ''; // outside a test (unit tests)
  }
}

/**
 * A file-name tag for a segment: `0:1/2` -> `0-1_2`; '' for the whole test or `0:1`.
 * @param {string} [segment]
 */
export function segmentTag(segment = executionSegment()) {
  if (segment === '' || segment === '0:1') return '';
  return segment.replace(/:/g, '-').replace(/\//g, '_');
}

/**
 * Whether this process runs the start of the test (no segment, or one that starts at 0): the
 * one process that does what must happen once per test, such as committing the seed data.
 * @param {string} [segment]
 */
export function isFirstSegment(segment = executionSegment()) {
  return segment === '' || /^0(\.0*)?(:|$)/.test(segment) || segment.startsWith('0/');
}
