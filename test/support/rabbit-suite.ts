// The set-up and clean-up every describe block of collectors on the test broker needs.
import { after, before } from 'node:test';
import type { CollectorProcess } from './collector-process';
import { ensureRabbit, RabbitAdmin, restoreBroker } from './rabbit';

export interface RabbitSuite {
  /** The test's own connection to the broker. */
  readonly admin: RabbitAdmin;
  /** Remembers a started collector, to stop it after the block. */
  track(c: CollectorProcess): CollectorProcess;
}

/**
 * Call inside a `describe`: brings the broker up before its tests; after them, undoes a
 * stop_app or alarm left behind, stops the collectors tracked (`signal`, default SIGTERM)
 * and closes the admin connection (deleting what it owns).
 */
export function rabbitSuite(signal: NodeJS.Signals = 'SIGTERM'): RabbitSuite {
  const admin = new RabbitAdmin();
  const collectors: CollectorProcess[] = [];
  before(async () => {
    ensureRabbit();
    await admin.channel();
  });
  after(async () => {
    await restoreBroker();
    await Promise.all(collectors.map((c) => c.close({ signal })));
    await admin.close();
  });
  return {
    admin,
    track: (c) => {
      collectors.push(c);
      return c;
    },
  };
}
