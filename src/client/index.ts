/**
 * Scopgraph's browser client (`scopgraph/client`): binds a Y.Doc and an Awareness to a section
 * of a bid (SectionProvider). No server code and no Node API: bundles for browsers as is.
 */
export { EMPTY_UPDATE_MESSAGE, SectionProvider } from "./section-provider";
export type { ProviderError, ProviderStatus, SectionProviderEvents, SectionProviderOptions, StreamMessage } from "./section-provider";
export { Y, awarenessProtocol } from "./deps";
export type { Awareness, YDoc } from "./deps";
