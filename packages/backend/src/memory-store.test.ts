import { MemoryStore } from './memory-store.ts';
import { describeObjectStore } from './object-store.conformance.ts';

describeObjectStore('memory', () => new MemoryStore());
