import type { Rule } from 'eslint';

/** Imports must be declared dependencies; services must not import each other. */
export declare const declaredDependencies: Rule.RuleModule;
