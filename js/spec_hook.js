/**
 * SPEC_RATE: a share of a scenario's ingest iterations runs one property of the `ves spec`
 * catalogue instead (the next one, round robin per VU, with fresh ids every pass), so that a
 * promise that breaks only under load shows up as a failed check named by its id.
 *
 *   const SPEC = specCatalogueFor(cfg, () => open('../spec/catalogue.json'));   // init code
 *   setup():   data.spec = setupSpec(cfg, SPEC)
 *   iteration: if (maybeSpec(cfg, data, state, SPEC)) return;
 *
 * @module spec_hook
 */
import exec from 'k6/execution';
import { blockChance } from './content.js';
import { contentSource, currentSlot } from './slots.js';
import { parseSpecCatalogue, recordSpecResult, runSpecProperty, specContext, specSeed, specSetup } from './spec_run.js';

/**
 * The catalogue when SPEC_RATE > 0, else null (`read` is called in init code only then); with
 * SPEC_ONLY=<class>, that class's properties only.
 */
export function specCatalogueFor(cfg, read, only = typeof __ENV !== 'undefined' ? __ENV.SPEC_ONLY : undefined) {
  if (!(cfg.specRate > 0)) return null;
  const c = parseSpecCatalogue(read());
  if (!only) return c;
  if (!c.classes.some((k) => k.id === only)) throw new Error(`SPEC_ONLY: expected one of ${c.classes.map((k) => k.id).join(', ')}, found ${JSON.stringify(only)}`);
  return Object.assign({}, c, { properties: c.properties.filter((p) => p.class === only) });
}

/** setup(): the spec's own agent key (its own tenant), when the catalogue runs. */
export function setupSpec(cfg, catalogue) {
  if (catalogue === null) return null;
  const seed = specSeed(__ENV);
  console.log(`ves-k6: SPEC_RATE=${cfg.specRate}: that share of ingest iterations runs one property of the ves spec catalogue (seed ${seed}; failures count in ves_spec_failures and as checks named by the property)`);
  return specSetup({ baseUrl: cfg.baseUrl, adminKey: cfg.adminApiKey || cfg.apiKey, seed });
}

/**
 * With probability SPEC_RATE (block 0 of the iteration's `spec` slot, so SEED repeats the
 * choice), runs the VU's next property and returns true.
 */
export function maybeSpec(cfg, data, state, catalogue) {
  if (catalogue === null || !data.spec || !(cfg.specRate > 0)) return false;
  const b = contentSource(cfg, data, currentSlot('spec')).block(0);
  if (blockChance(b, 0) >= cfg.specRate) return false;
  if (state.spec === undefined) state.spec = { index: 0, pass: 0, seen: [] };
  const s = state.spec;
  const p = catalogue.properties[s.index];
  const ctx = specContext(cfg, data.spec, `vu${exec.vu.idInTest}.${s.pass}`, s.seen);
  recordSpecResult(runSpecProperty(catalogue, p, ctx));
  s.index++;
  if (s.index === catalogue.properties.length) {
    s.index = 0;
    s.pass++;
  }
  return true;
}
