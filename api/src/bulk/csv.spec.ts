import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, parseCsv } from './csv';

const SPEC = {
  required: ['address'],
  allowed: ['address', 'quota_bytes'],
  ignored: ['state'],
  maxRows: 2,
};

void describe('csv', () => {
  void it('quotes cells that need it and guards formulas', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")', true), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell(null), '');
  });

  void it('parses rows by header, dropping ignored columns and empty cells', () => {
    const r = parseCsv(
      'Address,quota_bytes,state\r\na@x.org,10,active\r\nb@x.org,,active\r\n',
      SPEC,
    );
    assert.ok(!('errors' in r));
    assert.deepEqual(r.rows, [{ address: 'a@x.org', quota_bytes: '10' }, { address: 'b@x.org' }]);
  });

  void it('reports bad headers, too many rows and broken CSV', () => {
    const fields = (text: string) => {
      const r = parseCsv(text, SPEC);
      assert.ok('errors' in r);
      return r.errors.map((e) => e.field);
    };
    assert.deepEqual(fields('quota_bytes\n1\n'), ['address']);
    assert.deepEqual(fields('address,password_hash\na@x.org,x\n'), ['column 2']);
    assert.deepEqual(fields('address\na\nb\nc\n'), ['csv']);
    assert.deepEqual(fields('address\n"unterminated\n'), ['csv']);
    assert.deepEqual(fields(''), ['csv']);
  });
});
