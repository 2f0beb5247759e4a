export type { IngesterClient, OtlpEncoding, DistributorOptions, DistributorResult } from './distributor.ts';
export { Distributor } from './distributor.ts';
export { RateLimiter } from './rate-limiter.ts';
export type { OtlpHttpOptions } from './otlp-http.ts';
export { createOtlpHttpApp, decodeBody } from './otlp-http.ts';
export type { OtlpGrpcOptions } from './otlp-grpc.ts';
export { createOtlpGrpcServer, bindGrpc, shutdownGrpc } from './otlp-grpc.ts';
export { RateLimited, UnsupportedEncoding, MessageTooLarge, IngesterUnreachable, IngesterBusy, IngesterFailed } from './errors.ts';
export { RemoteIngesters, traceOwner } from './remote-ingesters.ts';
