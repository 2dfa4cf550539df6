/**
 * Bounded parallelism: at most `perKey` calls in flight for one key (an account and region: AWS
 * throttles per account per region) and `total` in all. Regions run side by side; one region
 * never floods its own API rate.
 */
export class Limiter {
  private active = 0;
  private readonly perKeyActive = new Map<string, number>();
  private readonly queue: { key: string; start: () => void }[] = [];

  constructor(
    private readonly perKey: number,
    private readonly total: number,
  ) {
    if (perKey < 1 || total < 1) throw new RangeError("concurrency must be at least 1");
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>((start) => {
      this.queue.push({ key, start });
      this.pump();
    });
    try {
      return await fn();
    } finally {
      this.active--;
      this.perKeyActive.set(key, (this.perKeyActive.get(key) ?? 1) - 1);
      this.pump();
    }
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length && this.active < this.total; ) {
      const job = this.queue[i]!;
      const n = this.perKeyActive.get(job.key) ?? 0;
      if (n >= this.perKey) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.active++;
      this.perKeyActive.set(job.key, n + 1);
      job.start();
    }
  }
}
