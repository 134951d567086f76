// What the producer client needs of Kafka, so that the client itself never imports a Kafka
// library (kafka-transport.ts implements it over kafkajs).

export interface ResultMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer | null;
}

export interface ClientTransport {
  /**
   * Starts reading `topics` from their current end, and resolves once every partition is being
   * read: a result produced after this resolves is never missed.
   */
  listen(topics: readonly string[], onMessage: (message: ResultMessage) => void): Promise<void>;
  /** Resolves once the broker has the message (acks=all). */
  produce(topic: string, key: string, value: Buffer): Promise<void>;
  close(): Promise<void>;
}
