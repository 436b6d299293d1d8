/** What every provider call receives: who asked, and when to stop. */
export interface CallContext {
  readonly requestId: string;
  readonly traceparent?: string;
  /** Aborts on client disconnect, request deadline or the per-attempt timeout. */
  readonly signal: AbortSignal;
  /** The route entry this attempt serves (set by the router; traces read it). */
  readonly route?: { readonly entry: string; readonly index: number };
}
