// Roles are modules with declared dependencies (as Tempo's module manager does): a target names
// the modules it needs, the registry adds their dependencies, inits them in dependency order and
// stops them in reverse. `all` is just the composite of every role. Each module's instance has a
// type (ModuleTypes), so a module gets its dependencies typed by name.
import type { Config, Target } from '@spanbase/config';
import type { Resolver } from '@spanbase/internal-api';
import type { MetricsRegistry } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { Logger } from '@spanbase/server';
import type { ModuleTypes } from './modules.ts';

/** Every module name. */
export type ModuleName = keyof ModuleTypes;

/** What tests may inject into a process. */
export interface StartHooks {
  /** Resolves the names of dns+ address entries (the system resolver when absent). */
  resolve?: Resolver;
}

/** What a module's init gets. */
export interface ModuleContext {
  /** The parsed configuration. */
  readonly cfg: Config;
  /** The process logger. */
  readonly log: Logger;
  /** The process metrics. */
  readonly metrics: MetricsRegistry;
  /** The HTTP API app (port 3200); modules add their routes to it. */
  readonly api: FastifyInstance;
  /** The Zipkin port's app (9411): the distributor adds the receiver, the frontend the query API. */
  readonly zipkin: FastifyInstance;
  /** The Jaeger query API's app (16686); the frontend adds its routes. */
  readonly jaeger: FastifyInstance;
  /** What the process was started with besides the configuration. */
  readonly hooks: StartHooks;
  /** The instance of a module this one depends on. */
  get<N extends ModuleName>(name: N): ModuleTypes[N];
}

/** A module's running instance: optional lifecycle hooks plus whatever dependants use. */
export interface ModuleInstance {
  /** Called after every module is initialised and the API listens (start listeners here). */
  start?(): Promise<void>;
  /** Called on shutdown, in reverse init order. */
  stop?(): Promise<void>;
  /** False while the module cannot serve yet. */
  ready?(): boolean;
}

/** A module definition. */
export interface ModuleDef<I extends ModuleInstance> {
  /** Modules that must be initialised first (may depend on the target). */
  deps(target: Target): readonly ModuleName[];
  /** Builds the module. The value is what `ctx.get(name)` returns to dependants. */
  init(ctx: ModuleContext): Promise<I>;
}

/** Every module's definition. */
export type ModuleDefs = { [N in ModuleName]: ModuleDef<ModuleTypes[N]> };

/**
 * The modules each target asks for (dependencies are added automatically). Every role opens the
 * internal listener, whether or not others call it yet (`all` does not: nothing outside calls in).
 */
export const TARGET_MODULES: Record<Target, readonly ModuleName[]> = {
  all: ['distributor', 'ingester', 'query-frontend', 'querier', 'compactor'],
  distributor: ['internal', 'distributor'],
  ingester: ['internal', 'ingester'],
  'query-frontend': ['internal', 'query-frontend'],
  querier: ['internal', 'querier'],
  compactor: ['internal', 'compactor'],
};

/** Modules to init for a target, dependencies first. */
export function resolveModules(target: Target, defs: ModuleDefs): ModuleName[] {
  const order: ModuleName[] = [];
  const visiting = new Set<ModuleName>();
  const visit = (name: ModuleName) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`module dependency cycle at ${name}`);
    visiting.add(name);
    for (const d of defs[name].deps(target)) visit(d);
    visiting.delete(name);
    order.push(name);
  };
  for (const m of TARGET_MODULES[target]) visit(m);
  return order;
}
