// A scenario whose iteration throws: with guard(), the run must fail (exit 99) on `checks`
// instead of passing with only an error in the log (tests/e2e/test_fail_fast.py).
import { guard } from '../../js/ves.js';

export const options = { iterations: 2, thresholds: { checks: ['rate==1'] } };

export default guard('boom', () => {
  const missing = null;
  return missing.field; // a TypeError, as a scenario bug would raise
});
