// Measures regex engines on the fetch path: many short values (span names, routes, urls, messages,
// 10-100 bytes) against patterns Grafana users write, and the pathological patterns on growing
// inputs. Candidates:
//   spanbase   @spanbase/traceql compileRegex: our linear-time engine (what queries use)
//   v8         RegExp with the same pattern in JavaScript syntax: backtracking, the old engine
//   re2js, re2-wasm, @adguard/re2-wasm, re2: measured when installed (they are not dependencies;
//   `npm install --no-save re2js re2-wasm @adguard/re2-wasm re2` to compare them again)
// Run: node bench/src/regex-compare.ts [--values 2000] [--rounds 7]
// The figures and the choice: docs/dependencies.md.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { compileRegex } from '@spanbase/traceql';

const { values: args } = parseArgs({ options: { values: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '7' } } });

interface Matcher {
  test(s: string): boolean;
}
type Engine = (re2: string, js: string) => Matcher;

/** RE2 pattern, the same in JavaScript syntax (for V8), and whether V8 may be run on its inputs. */
const TYPICAL: readonly [string, string][] = [
  ['.*foo.*', '.*foo.*'],
  ['(?i).*error.*', '(?i:.*error.*)'],
  ['GET /api/.*', 'GET \\/api\\/.*'],
  ['frontend|cart|checkout', 'frontend|cart|checkout'],
  ['[a-z]+-[0-9]+', '[a-z]+-[0-9]+'],
  ['.*(timeout|refused).*', '.*(timeout|refused).*'],
  ['https://[a-z-]+\\.example\\.com/api/v[0-9]+/.*', 'https:\\/\\/[a-z\\-]+\\.example\\.com\\/api\\/v[0-9]+\\/.*'],
  ['oteldemo\\.[A-Za-z]+Service/.*', 'oteldemo\\.[A-Za-z]+Service\\/.*'],
  ['(?i)select .* from orders.*', '(?i:select .* from orders.*)'],
  ['cart', 'cart'],
];
const PATHOLOGICAL: readonly [string, (n: number) => string][] = [
  ['(a+)+$', (n) => 'a'.repeat(n) + '!'],
  ['(a|a)*b', (n) => 'a'.repeat(n)],
  ['(a*)*b', (n) => 'a'.repeat(n)],
  ['(x+x+)+y', (n) => 'x'.repeat(n)],
];

const require = createRequire(import.meta.url);
function optional(name: string): unknown {
  try {
    return require(name);
  } catch {
    return undefined;
  }
}

function engines(): Map<string, Engine> {
  const out = new Map<string, Engine>();
  out.set('spanbase', (p) => compileRegex(p));
  out.set('v8', (_, js) => new RegExp(`^(?:${js})$`, 'u'));
  const re2js = optional('re2js') as { RE2JS: { compile(p: string): { matches(s: string): boolean } } } | undefined;
  if (re2js) {
    out.set('re2js', (p) => {
      const re = re2js.RE2JS.compile(p);
      return { test: (s) => re.matches(s) };
    });
  }
  for (const name of ['re2-wasm', '@adguard/re2-wasm']) {
    const mod = optional(name) as { RE2: new (p: string, f: string) => Matcher } | undefined;
    if (mod) out.set(name, (p) => new mod.RE2(`^(?:${p})$`, 'u'));
  }
  const native = optional('re2') as (new (p: string, f: string) => Matcher) | undefined;
  if (native) out.set('re2', (p) => new native(`^(?:${p})$`, 'u'));
  return out;
}

// Deterministic PRNG (mulberry32), so every run measures the same values.
let seed = 0x5eed;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/** Values of the kinds regexes run over; flat strings, as the decoders make them. */
function values(n: number): string[] {
  const services = ['frontend', 'cart', 'checkout', 'payment', 'shipping', 'recommendation', 'ad', 'currency', 'email', 'product-catalog'];
  const routes = ['/api/users/{id}', '/api/cart', '/api/v2/orders/{orderId}/items', '/health', '/api/products', '/static/app.js', '/api/checkout/confirm'];
  const errors = ['connection refused', 'context deadline exceeded', 'ERROR: duplicate key value violates unique constraint', 'upstream Error 503', 'timeout waiting for lock', 'ok'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = rnd();
    let v: string;
    if (k < 0.25) v = `${pick(['GET', 'POST', 'PUT', 'DELETE'])} ${pick(routes)}`;
    else if (k < 0.4) v = pick(services);
    else if (k < 0.55) v = `https://${pick(services)}.example.com${pick(routes).replace('{id}', String(Math.floor(rnd() * 1e6)))}?q=${Math.floor(rnd() * 1e4)}`;
    else if (k < 0.7) v = `oteldemo.${pick(services)}Service/${pick(['Get', 'List', 'Place', 'Convert'])}${pick(['Cart', 'Order', 'Product'])}`;
    else if (k < 0.85) v = `${pick(errors)} (${pick(services)}-${Math.floor(rnd() * 100)})`;
    else v = `SELECT * FROM ${pick(['orders', 'users', 'products'])} WHERE id = $${Math.floor(rnd() * 9)} AND tenant = 'acme'`;
    out.push(Buffer.from(v).toString());
  }
  return out;
}

const xs = values(Number(args.values));
const rounds = Number(args.rounds);
const all = engines();
console.log(`${xs.length} values, mean ${(xs.reduce((a, s) => a + s.length, 0) / xs.length).toFixed(0)} chars; engines: ${[...all.keys()].join(', ')}`);
for (const [name, engine] of all) {
  const rows: string[] = [];
  let sum = 0;
  for (const [re2, js] of TYPICAL) {
    const oracle = new RegExp(`^(?:${js})$`, 'u');
    const m = engine(re2, js);
    let hits = 0;
    for (const s of xs) if (m.test(s) !== oracle.test(s)) throw new Error(`${name} disagrees with V8 on ${re2} / ${JSON.stringify(s)}`);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      for (let k = 0; k < 20; k++) for (const s of xs) if (m.test(s)) hits++;
      best = Math.min(best, ((performance.now() - t) * 1e6) / (20 * xs.length));
    }
    sum += best;
    if (hits < 0) throw new Error('unreachable'); // keeps the matches from being optimised away
    rows.push(`  ${re2.padEnd(48)} ${best.toFixed(0).padStart(6)} ns/value`);
  }
  console.log(`${name}: mean ${(sum / TYPICAL.length).toFixed(0)} ns/value\n${rows.join('\n')}`);
  for (const [re2, input] of PATHOLOGICAL) {
    const m = engine(re2, re2);
    const sizes = name === 'v8' ? [16, 20, 24] : [1000, 8000, 64000];
    const times = sizes.map((n) => {
      const s = input(n);
      const t = performance.now();
      m.test(s);
      return `n=${n} ${(performance.now() - t).toFixed(2)} ms`;
    });
    console.log(`  ${re2.padEnd(12)} ${times.join('  ')}`);
  }
}
