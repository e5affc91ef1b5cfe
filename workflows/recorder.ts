// Read-model writes the workflow makes between two waits, sent as one recordBatch activity. The
// workflow queues them as it goes and flushes before anything that blocks (people, timers, other
// activities, child workflows), so what people see is never behind what they are waiting on.
import type { RecordCall } from '../activities/records/records.activities';

type Name = RecordCall['name'];
type ArgsOf<K extends Name> = Extract<RecordCall, { name: K }>['args'];
type Waiting = { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void };

export class Recorder {
  private queue: RecordCall[] = [];
  private written: Promise<void> = Promise.resolve();
  private cutting = false;
  /** Those waiting for what is queued now, answered by the batch that writes it. */
  private waiting?: Waiting;

  constructor(private readonly write: (calls: RecordCall[]) => Promise<void>) {}

  /** Queues one record; it is written, in order, by the next flush. */
  later<K extends Name>(name: K, ...args: ArgsOf<K>): void {
    this.queue.push({ name, args } as RecordCall);
  }

  /**
   * Writes everything queued so far, and what the rest of this workflow task queues before the
   * batch is cut (parallel steps starting together go out in one batch). Batches are written one
   * after another, never concurrently.
   */
  flush(): Promise<void> {
    if (this.queue.length && !this.cutting) {
      this.cutting = true;
      const answer = () => {
        this.cutting = false;
        const waiting = this.waiting;
        this.waiting = undefined;
        return waiting;
      };
      this.written = this.written.then(
        () => {
          const batch = this.queue.splice(0);
          const waiting = answer();
          const done = this.write(batch);
          if (waiting) done.then(waiting.resolve, waiting.reject);
          return done;
        },
        // An earlier batch was refused: nothing after it is written, and whoever waits hears why.
        (err: unknown) => {
          answer()?.reject(err);
          throw err;
        },
      );
    }
    return this.written;
  }

  /**
   * Resolves once what is queued now has been written, by the flush the plan makes before it next
   * waits: an Update's record and the transition it causes (the step done, the next step's task)
   * go out in one batch, one activity round trip.
   */
  settled(): Promise<void> {
    if (!this.queue.length) return this.written;
    if (!this.waiting) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.waiting = { promise, resolve, reject };
    }
    return this.waiting.promise;
  }
}
