// Global test setup. Servers that several suites share (the S3 protocol server) start here
// once per run; each suite reads their addresses from the injected context.
export default async function setup(): Promise<void> {}
