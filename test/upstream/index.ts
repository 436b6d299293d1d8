/** The test upstream's public face: an OpenAI-compatible server with scriptable faults. */
export { startTestUpstream } from './test-upstream';
export type { TestUpstream, TestUpstreamOptions } from './test-upstream';
export type { RecordedRequest, RecordedRequestJson } from './request-log';
export type { Fault } from './faults';
export { parseFault, parseFaults } from './faults';
export { DEFAULT_REPLY } from './chat-responses';
