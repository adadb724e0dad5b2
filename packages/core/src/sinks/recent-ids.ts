import type { ArchiveRecord } from '../archive-sink.js';

/**
 * The ids a sink wrote most recently, at most `capacity` of them (oldest forgotten first), so a
 * redelivered batch is skipped instead of stored again. Bounded: a redelivery older than the
 * window is stored again, and readers deduplicate by id for that case.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** The records not written recently, each id once (the first copy in the batch). */
  unseen(batch: readonly ArchiveRecord[]): ArchiveRecord[] {
    if (this.capacity === 0) return [...batch];
    const inBatch = new Set<string>();
    return batch.filter((r) => {
      if (this.ids.has(r.id) || inBatch.has(r.id)) return false;
      inBatch.add(r.id);
      return true;
    });
  }

  /** Remembers records that are now durable. */
  add(records: readonly ArchiveRecord[]): void {
    if (this.capacity === 0) return;
    for (const r of records) {
      this.ids.delete(r.id); // re-inserting moves it to the newest end
      this.ids.add(r.id);
    }
    for (const oldest of this.ids) {
      if (this.ids.size <= this.capacity) break;
      this.ids.delete(oldest);
    }
  }
}
