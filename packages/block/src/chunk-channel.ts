// A one-slot channel from a producer (the Parquet encoder) to a consumer (ObjectStore.put reading
// an AsyncIterable), so a block streams out row group by row group: a push waits while the slot
// holds a chunk the consumer has not taken, which bounds memory to about two row groups (one
// queued, one being encoded). A failure on either side
// reaches the other: a failed put rejects the producer's next push, and fail() ends the stream
// with an error so the store discards the partial object.

/** Producer and consumer ends of a chunk stream. */
export class ChunkChannel implements AsyncIterable<Uint8Array> {
  private pending: Uint8Array | undefined;
  private closed = false;
  private error: { reason: unknown } | undefined;
  private consumerError: { reason: unknown } | undefined;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;

  /** Hands one chunk to the consumer; resolves once it is in the slot (after the previous one was taken). */
  async push(chunk: Uint8Array): Promise<void> {
    this.throwIfConsumerFailed();
    if (this.closed) throw new Error('push after close');
    while (this.pending !== undefined) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
      this.throwIfConsumerFailed();
    }
    this.pending = chunk;
    this.wakeConsumer?.();
  }

  private throwIfConsumerFailed(): void {
    if (this.consumerError) throw this.consumerError.reason;
  }

  /** Ends the stream normally after the pending chunk. */
  close(): void {
    this.closed = true;
    this.wakeConsumer?.();
  }

  /** Ends the stream with an error: the consumer's iteration throws `reason`. */
  fail(reason: unknown): void {
    this.error ??= { reason };
    this.closed = true;
    this.wakeConsumer?.();
  }

  /** Records that the consumer gave up (its put failed); the producer's pushes then reject. */
  consumerFailed(reason: unknown): void {
    this.consumerError ??= { reason };
    this.wakeProducer?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      while (true) {
        if (this.error) throw this.error.reason;
        if (this.pending !== undefined) {
          const chunk = this.pending;
          this.pending = undefined;
          this.wakeProducer?.();
          yield chunk;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      }
    } finally {
      // A consumer that stops iterating early (return/throw) must not leave the producer waiting.
      if (!this.closed || this.pending !== undefined) this.consumerFailed(new Error('consumer stopped reading'));
    }
  }
}
