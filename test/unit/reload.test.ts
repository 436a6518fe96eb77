// A reload's configuration (src/main/reload.ts): the keys that need a restart, [tls]'s among
// them, kept at their running values and named; the TLS files checked as at start-up.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/main/config';
import { reloadConfig } from '../../src/main/reload';

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-reload-test-'));
after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

let fileCount = 0;
function tomlFile(text: string): string {
  const file = path.join(tmpDir, `config-${++fileCount}.toml`);
  fs.writeFileSync(file, `${text}\n[amqp]\nenable = false\n[file]\nenable = false\n`);
  return file;
}

describe('reloadConfig', () => {
  it('keeps the running [tls] listener settings, naming them; the files it names are reloadable', () => {
    const running = loadConfig({ file: tomlFile('[tls]\nport = 8443\ncert = "/a/cert.pem"\n'), env: {} });
    const outcome = reloadConfig(tomlFile('port = 9090\n[tls]\nport = 9443\naddress = "127.0.0.1"\nrequireClientCert = true\ncert = "/b/cert.pem"\n'), running);
    assert.ok(outcome.ok);
    assert.deepEqual([...outcome.restartNeeded].sort(), ['port', 'tls.address', 'tls.port', 'tls.requireClientCert']);
    assert.equal(outcome.config.port, running.port);
    assert.deepEqual(
      { port: outcome.config.tls.port, address: outcome.config.tls.address, requireClientCert: outcome.config.tls.requireClientCert, cert: outcome.config.tls.cert },
      { port: 8443, address: '', requireClientCert: false, cert: '/b/cert.pem' },
    );
    assert.equal(running.tls.cert, '/a/cert.pem', 'the running configuration is not changed');
  });

  it('refuses a configuration whose HTTPS certificate or amqps key cannot be read, naming the key', () => {
    const running = loadConfig({ file: tomlFile(''), env: {} });
    const https = reloadConfig(tomlFile(`[tls]\nenable = true\ncert = "${tmpDir}/absent.pem"\nkey = "${tmpDir}/absent.key"\n`), running);
    assert.ok(!https.ok);
    assert.match(https.reason, /tls\.cert: cannot read ".*absent\.pem" \(ENOENT\)/);
    const file = path.join(tmpDir, 'amqps.toml');
    fs.writeFileSync(file, `[file]\nenable = false\n[amqp]\nenable = true\nscheme = "amqps"\ncert = "${tmpDir}/c.pem"\nkey = "${tmpDir}/secret/c.key"\n`);
    const amqps = reloadConfig(file, running);
    assert.ok(!amqps.ok);
    assert.match(amqps.reason, /amqp\.cert: cannot read/);
    assert.doesNotMatch(amqps.reason, /secret/, "the key file's path is not shown");
    fs.writeFileSync(file, `[file]\nenable = false\n[amqp]\nenable = false\nscheme = "amqps"\ncert = "${tmpDir}/c.pem"\nkey = "${tmpDir}/secret/c.key"\n`);
    assert.ok(reloadConfig(file, running).ok, 'a disabled sink\'s files are not read');
  });
});
