// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { declaredDependencies } from './scripts/eslint/declared-dependencies.js';

// Packages that hold or reach storage. The query engine owns its fetch contract
// (traceql/src/storage.ts) and storage implements it, never the other way round.
const storagePackages = [
  '@spanbase/backend', '@spanbase/block', '@spanbase/wal', '@spanbase/otlp',
  '@spanbase/ingester', '@spanbase/querier', '@spanbase/compactor', '@spanbase/distributor',
  '@aws-sdk/*', 'hyparquet', 'hyparquet-writer', 'node:fs', 'node:fs/promises', 'fs', 'fs/promises',
];

// hyparquet's and hyparquet-writer's internal modules go through one adapter, so an upgrade has
// one place to check (see packages/block/src/sb1/parquet-internals.ts).
const hyparquetInternals = { group: ['hyparquet/src/*', 'hyparquet-writer/src/*'], message: 'import internal hyparquet modules through packages/block/src/sb1/parquet-internals.ts' };

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist-types/**', 'bench/results/**', 'coverage/**', '.tmp/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Imports are declared dependencies, and services never import each other.
    files: ['**/*.ts'],
    plugins: { spanbase: { rules: { 'declared-dependencies': declaredDependencies } } },
    rules: { 'spanbase/declared-dependencies': 'error' },
  },
  {
    // hyparquet's and hyparquet-writer's internal modules go through one adapter, so an upgrade
    // has one place to check (see packages/block/src/sb1/parquet-internals.ts).
    ignores: ['packages/block/src/sb1/parquet-internals.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [hyparquetInternals],
      }],
    },
  },
  {
    // The query side reaches blocks through the format registry (openBlock, searchBlock,
    // blockMetricsFetcher), never through one format's internals, so a new format needs no
    // change there.
    files: ['services/querier/src/**/*.ts', 'services/query-frontend/src/**/*.ts', 'packages/query/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@spanbase/block', importNames: ['Sb1Reader', 'blockSpansetFetcher', 'blockColumnFetcher', 'BloomCache', 'ChunkCache', 'sb1Columns', 'SB1_DEFAULTS', 'rowGroupOfError', 'bloomShardOf'], message: 'use the format registry (openBlock, searchBlock, blockMetricsFetcher, createReadCaches), not sb1 internals' }],
        patterns: [{ group: ['@spanbase/block/*', '!@spanbase/block/testing', '**/sb1/*'], message: 'use the format registry, not sb1 internals' }, hyparquetInternals],
      }],
    },
  },
  {
    files: ['traceql/src/**/*.ts'],
    ignores: ['traceql/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: storagePackages, message: 'traceql must not import storage: storage implements traceql/src/storage.ts instead.' }],
      }],
    },
  },
);
