// The persistence port of topic archives (src/services/topics/): the events published to a
// topic that keeps an archive, by publish time, so a time range can be replayed to a
// subscription (event sourcing: rebuild a consumer's state from the events).

export interface ArchivedEvent {
  /** Increases with every archived event: a cursor for paging through a range. */
  readonly seq: number;
  readonly eventId: string;
  /** The event's time (epoch ms), which ranges are chosen by. */
  readonly eventTime: number;
  /** The CloudEvent as JSON. */
  readonly event: string;
}

export interface TopicArchiveStore {
  /** Stores the event until `expiresAt` (and drops the topic's expired ones). */
  archive(
    app: string,
    topic: string,
    event: { readonly eventId: string; readonly eventTime: number; readonly event: string },
    expiresAt: number,
  ): Promise<void>;
  /** Events with fromMs <= eventTime < toMs and seq > afterSeq, in (eventTime, seq) order. */
  range(
    app: string,
    topic: string,
    query: {
      readonly fromMs: number;
      readonly toMs: number;
      readonly afterSeq: number;
      readonly limit: number;
    },
  ): Promise<ArchivedEvent[]>;
}
