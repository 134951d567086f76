// What the producer client needs of Kafka, so that the client itself never imports a Kafka
// library (kafka-transport.ts implements it over kafkajs).

export interface ResultMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** The record's headers (e.g. the worker's `traceparent`: the trace of the command it answers). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface ClientTransport {
  /**
   * Starts reading `topics` from their current end, and resolves once every partition is being
   * read: a result produced after this resolves is never missed.
   */
  listen(topics: readonly string[], onMessage: (message: ResultMessage) => void): Promise<void>;
  /** Resolves once the broker has the message (acks=all). `headers`: e.g. the W3C `traceparent`. */
  produce(topic: string, key: string, value: Buffer, headers?: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}
