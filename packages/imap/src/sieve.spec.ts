import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResponse } from './sieve';

const parse = (text: string) => parseResponse(Buffer.from(text, 'utf8'));

void describe('ManageSieve responses', () => {
  void it('reads a script list with the active marker', () => {
    const r = parse('"main" ACTIVE\r\n"vacation"\r\nOK\r\n');
    assert.ok(typeof r !== 'symbol');
    assert.equal(r.response.status, 'OK');
    assert.deepEqual(r.response.lines, [['main', 'ACTIVE'], ['vacation']]);
  });

  void it('reads a literal with CRLF inside and the bytes after it', () => {
    const script = 'require ["fileinto"];\r\nkeep;\r\n';
    const text = `{${Buffer.byteLength(script)}}\r\n${script}\r\nOK\r\nNEXT`;
    const r = parse(text);
    assert.ok(typeof r !== 'symbol');
    assert.equal(r.response.lines[0][0].toString(), script);
    assert.equal(text.slice(r.consumed), 'NEXT');
  });

  void it('reads NO with a response code and text', () => {
    const r = parse('NO (NONEXISTENT) "Script does not exist"\r\n');
    assert.ok(typeof r !== 'symbol');
    assert.equal(r.response.status, 'NO');
    assert.equal(r.response.code, 'NONEXISTENT');
    assert.equal(r.response.text, 'Script does not exist');
  });

  void it('asks for more until a response is complete', () => {
    assert.equal(typeof parse('"main" ACTIVE\r\n'), 'symbol');
    assert.equal(typeof parse('{10}\r\nabc'), 'symbol');
    assert.equal(typeof parse('OK'), 'symbol');
  });

  void it('does not take a quoted "OK" data line for the status', () => {
    const r = parse('"OK"\r\nOK\r\n');
    assert.ok(typeof r !== 'symbol');
    assert.deepEqual(r.response.lines, [['OK']]);
  });

  void it('decodes UTF-8 in quoted strings', () => {
    const r = parse('"Grüße" ACTIVE\r\nOK\r\n');
    assert.ok(typeof r !== 'symbol');
    assert.equal(r.response.lines[0][0], 'Grüße');
  });
});
