/**
 * Requests of `ves spec` properties from the catalogue's templates: the shorthands and the
 * `{{…}}` placeholders, rendered to the same bytes as crates/ves-cli/src/cmd/spec/template.rs.
 *
 * @module spec_template
 */
import { expandPads } from './spec_events.js';

function named(arg) {
  return arg === undefined || arg === null ? 'main' : arg;
}

function placeholder(name) {
  return name === 'main' ? '' : `:${name}`;
}

/**
 * The request a step describes, templates not yet filled: [method, path, body|null].
 * @param {object} req the step's request
 * @param {{events: Record<string, object>}} ctx
 */
export function expandRequest(req, ctx) {
  const store = (name) => `{{store${placeholder(named(name))}}}`;
  if (req.ingest !== undefined) {
    if (req.ingest.length === 0) throw new Error('ingest: an empty list of events');
    let agent = req.agent;
    if (agent === undefined) {
      const first = ctx.events[req.ingest[0]];
      if (first === undefined) throw new Error(`ingest: event ${JSON.stringify(req.ingest[0])} is not defined`);
      agent = first.agentName;
    }
    const list = req.ingest.map((e) => `{{event:${e}}}`).join(',');
    return ['POST', '/api/v1/ves/events/ingest', `{"agentId":"{{agent${placeholder(agent)}}}","events":[${list}]}`];
  }
  if (req.head !== undefined) return ['GET', `/api/v1/head?tenant_id={{tenant}}&store_id=${store(req.head)}`, null];
  if (req.commit !== undefined) {
    const [start, end] = req.commit;
    return ['POST', '/api/v1/ves/commitments', `{"tenant_id":"{{tenant}}","store_id":"${store(req.store)}","sequence_start":${start},"sequence_end":${end}}`];
  }
  if (req.proof !== undefined) {
    if (req.batch === undefined) throw new Error('proof: name the captured batch ("batch")');
    return ['GET', `/api/v1/ves/proofs/${req.proof}?tenant_id={{tenant}}&store_id=${store(req.store)}&batch_id={{capture:${req.batch}}}`, null];
  }
  if (req.method !== undefined && req.path !== undefined) return [req.method, req.path, req.body === undefined ? null : req.body];
  throw new Error('a request needs ingest, head, commit, proof, or method and path');
}

/**
 * Renders a step's request (every placeholder but pads).
 * @param {object} req
 * @param {{scope: import('./spec_ids.js').SpecScope, adminKey: string|null, events: Record<string, object>, captures: Record<string, unknown>}} ctx
 *   adminKey null: golden mode (admin key, captures, repeats and pads stay as written)
 * @returns {{method: string, path: string, headers: string[][], body: string|null}}
 */
export function renderRequest(req, ctx) {
  const [method, path, body] = expandRequest(req, ctx);
  let headers;
  if (req.headers !== undefined) headers = req.headers.map(([k, v]) => [k, v]);
  else {
    headers = [['Authorization', 'ApiKey {{admin_key}}']];
    if (body !== null) headers.push(['Content-Type', 'application/json']);
  }
  return {
    method,
    path: fill(path, ctx),
    headers: headers.map(([k, v]) => [k, fill(v, ctx)]),
    body: body === null ? null : fill(body, ctx),
  };
}

/** The request for the wire: pads expanded. */
export function forWire(req) {
  return req.body === null ? req : Object.assign({}, req, { body: expandPads(req.body) });
}

/**
 * Fills `{{name}}` and `{{name:arg}}` placeholders.
 * @param {string} text
 * @param {object} ctx as for renderRequest
 */
export function fill(text, ctx) {
  return text.replace(/\{\{([^}]*)\}\}/g, (whole, inner) => {
    const at = inner.indexOf(':');
    const name = at < 0 ? inner : inner.slice(0, at);
    const arg = at < 0 ? undefined : inner.slice(at + 1);
    return value(name, arg, whole, ctx);
  });
}

function eventOf(ctx, name) {
  const e = ctx.events[name];
  if (e === undefined) throw new Error(`{{event:${name}}}: no such event in the property`);
  return e;
}

function value(name, arg, whole, ctx) {
  const s = ctx.scope;
  const golden = ctx.adminKey === null;
  switch (name) {
    case 'admin_key': return golden ? whole : ctx.adminKey;
    case 'tenant': return s.tenant(named(arg));
    case 'store': return s.store(named(arg));
    case 'agent': return s.agent(named(arg));
    case 'pubkey': return s.signer(named(arg)).publicKeyHex;
    case 'id':
      if (arg === undefined) throw new Error('{{id}} needs a name');
      return s.id(arg);
    case 'event_id': return eventOf(ctx, arg || '').eventId;
    case 'event': {
      if (arg === undefined) throw new Error('{{event}} needs a name');
      const star = arg.indexOf('*');
      const n = star < 0 ? arg : arg.slice(0, star);
      const times = star < 0 ? 1 : Number(arg.slice(star + 1));
      if (!Number.isInteger(times)) throw new Error(`{{event:${arg}}}: expected NAME*COUNT`);
      if (times > 1 && golden) return whole;
      return new Array(times).fill(eventOf(ctx, n).text).join(',');
    }
    case 'capture': {
      if (arg === undefined) throw new Error('{{capture}} needs a name');
      if (!(arg in ctx.captures)) {
        if (golden) return whole;
        throw new Error(`{{capture:${arg}}}: nothing was captured under that name`);
      }
      const v = ctx.captures[arg];
      return typeof v === 'string' ? v : JSON.stringify(v);
    }
    case 'pad': return whole;
    default: throw new Error(`unknown placeholder {{${name}}}`);
  }
}
