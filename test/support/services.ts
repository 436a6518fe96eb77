// scripts/services.sh from the tests: bring up, stop and start again the brokers it manages
// (rabbitmq, rabbitmq2, kafka, kafka2), and where it keeps its state.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/services.sh');

export type Service = 'rabbitmq' | 'rabbitmq2' | 'kafka' | 'kafka2';

/** services.sh's state dir (Kafka's files, the certificates): $GRACC_SERVICES_DIR or its default. */
export const SERVICES_DIR = process.env['GRACC_SERVICES_DIR'] ?? path.join(homedir(), '.cache/gracc-collector-services');

const env = (services: readonly Service[]) => ({ ...process.env, GRACC_SERVICES: services.join(',') });

/** `services.sh start` for these services, blocking (for `before` hooks); idempotent. */
export function ensureServices(...services: Service[]): void {
  if (!existsSync(SCRIPT)) return; // then the brokers are expected to be up already
  execFileSync('bash', [SCRIPT, 'start'], { cwd: ROOT, env: env(services), stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
}

/** `services.sh start|stop` for these services without blocking the event loop (streams go on meanwhile). */
export function runServices(action: 'start' | 'stop', ...services: Service[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('bash', [SCRIPT, action], { cwd: ROOT, env: env(services), timeout: 300_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`services.sh ${action} (${services.join(',')}): ${err.message}\n${stderr}`)) : resolve()));
}
