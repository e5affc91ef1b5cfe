// Read-model writes the workflow makes between two waits, sent as one recordBatch activity. The
// workflow queues them as it goes and flushes before anything that blocks (people, timers, other
// activities, child workflows), so what people see is never behind what they are waiting on.
import type { RecordCall } from '../activities/records/records.activities';

type Name = RecordCall['name'];
type ArgsOf<K extends Name> = Extract<RecordCall, { name: K }>['args'];

export class Recorder {
  private queue: RecordCall[] = [];
  private written: Promise<void> = Promise.resolve();

  constructor(private readonly write: (calls: RecordCall[]) => Promise<void>) {}

  /** Queues one record; it is written, in order, by the next flush. */
  later<K extends Name>(name: K, ...args: ArgsOf<K>): void {
    this.queue.push({ name, args } as RecordCall);
  }

  /** Writes everything queued so far; batches are written one after another, never concurrently. */
  flush(): Promise<void> {
    if (this.queue.length) {
      const batch = this.queue.splice(0);
      this.written = this.written.then(() => this.write(batch));
    }
    return this.written;
  }
}
