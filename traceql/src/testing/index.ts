export { rng, pick, FIELD_ATOMS, SPANSET_OPS, PIPELINE_STAGES, randomFieldExpr, randomQuery, randomAttributeValue, randomAttributes } from './random-queries.ts';
