export { OTLP_ERR_MALFORMED, OTLP_ERR_BAD_TRACE_ID, OTLP_ERR_BAD_SPAN_ID } from './errors.ts';
export { decodeExportRequest } from './proto-decode.ts';
export { encodeTracesData } from './proto-encode.ts';
export type { ScannedRequest, ScanOptions } from './scan.ts';
export { scanExportRequest } from './scan.ts';
export type { AssembleGroup, AssembleScope } from './assemble.ts';
export { assembleExportRequest } from './assemble.ts';
