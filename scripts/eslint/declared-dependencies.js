// @ts-check
// A lint rule for the workspace's dependency graph: every package a file imports is declared in
// the package.json of the workspace it belongs to (or is a tool the root declares), so the
// graph npm, TypeScript's project references and the Dockerfile see is the one the code uses;
// and roles join by contract: no service imports another service (only the binary, which
// composes them, and the tests and benchmarks that drive them do).
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const rootTools = new Set(Object.keys(rootManifest.devDependencies ?? {}));
const builtins = new Set(builtinModules);

/** @type {Map<string, { dir: string, name: string, deps: Set<string> } | null>} */
const manifests = new Map();

/** The manifest of the workspace holding `dir`. */
function manifestOf(dir) {
  if (manifests.has(dir)) return manifests.get(dir);
  let found = null;
  const file = join(dir, 'package.json');
  if (dir.startsWith(ROOT) && dir !== ROOT) {
    if (existsSync(file)) {
      const m = JSON.parse(readFileSync(file, 'utf8'));
      found = { dir, name: m.name, deps: new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})]) };
    } else found = manifestOf(dirname(dir));
  }
  manifests.set(dir, found);
  return found;
}

/** Workspace package names of the services (roles), by name. */
const SERVICES = new Set();
for (const d of ['distributor', 'ingester', 'querier', 'query-frontend', 'compactor']) {
  const f = join(ROOT, 'services', d, 'package.json');
  if (existsSync(f)) SERVICES.add(JSON.parse(readFileSync(f, 'utf8')).name);
}

/** The package an import specifier names, or undefined for relative paths and builtins. */
function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
export const declaredDependencies = {
  meta: { type: 'problem', docs: { description: 'imports must be declared dependencies; services must not import each other' }, schema: [] },
  create(context) {
    const file = context.filename;
    const owner = manifestOf(dirname(file));
    if (!owner) return {};
    const isService = relative(ROOT, owner.dir).split(sep)[0] === 'services' && SERVICES.has(owner.name);
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      const pkg = packageOf(spec);
      if (!pkg || pkg === owner.name) return;
      if (isService && SERVICES.has(pkg)) {
        context.report({ node, message: `${owner.name} imports ${pkg}: services join by contract (types and a codec in a package, composed by the binary), never by importing each other` });
        return;
      }
      if (!owner.deps.has(pkg) && !rootTools.has(pkg)) context.report({ node, message: `${pkg} is not a dependency of ${owner.name}: declare it in ${relative(ROOT, join(owner.dir, 'package.json'))}` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
