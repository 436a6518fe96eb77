import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileTemplate, TemplateError } from '../../src/records/field-template';
import { Uint64 } from '../../src/records/uint64';

const record = { type: 'JobUsageRecord', VOName: 'cms', Empty: '', Njobs: 3, TotalSpace: Uint64.parse('18446744073709551615')! };

describe('field templates', () => {
  test('placeholders read fields; numbers and 64-bit counts as JSON writes them', () => {
    assert.equal(compileTemplate('{type}.{VOName}').render(record), 'JobUsageRecord.cms');
    assert.equal(compileTemplate('{Njobs}/{TotalSpace}').render(record), '3/18446744073709551615');
  });

  test('a missing or empty field gives "" or the default after :-', () => {
    assert.equal(compileTemplate('a.{Missing}.b').render(record), 'a..b');
    assert.equal(compileTemplate('{Missing:-unknown}').render(record), 'unknown');
    assert.equal(compileTemplate('{Empty:-none}').render(record), 'none');
    assert.equal(compileTemplate('{VOName:-none}').render(record), 'cms');
    assert.equal(compileTemplate('{Missing:-}x').render(record), 'x');
    assert.equal(compileTemplate('{Missing:-a:-b}').render(record), 'a:-b');
  });

  test('doubled braces are literal; a template without placeholders is constant', () => {
    const t = compileTemplate('{{literal}} and }}');
    assert.equal(t.constant, true);
    assert.equal(t.render({}), '{literal} and }');
    assert.deepEqual(compileTemplate('{ type }-{VOName:-x}').fields, ['type', 'VOName']);
    assert.equal(compileTemplate('{ type }').render(record), 'JobUsageRecord');
  });

  test('bad templates are refused with the position', () => {
    assert.throws(() => compileTemplate('a{VOName'), (e: unknown) => e instanceof TemplateError && /unclosed "\{" at position 1/.test(e.message));
    assert.throws(() => compileTemplate('a}b'), (e: unknown) => e instanceof TemplateError && /unmatched "\}" at position 1/.test(e.message));
    assert.throws(() => compileTemplate('{}'), /empty field name at position 0/);
    assert.throws(() => compileTemplate('{:-x}'), /empty field name/);
    assert.throws(() => compileTemplate('{a{b}}'), /unclosed/);
  });
});
