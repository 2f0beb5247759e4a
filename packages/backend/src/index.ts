export type { ObjectStore, ObjectInfo, ListResult, OpOptions, PutBody } from './object-store.ts';
export { MemoryStore } from './memory-store.ts';
