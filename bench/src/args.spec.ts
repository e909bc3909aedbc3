import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from './args';

void describe('parseArgs', () => {
  void it('takes bare words as benchmark names and the runner flags apart', () => {
    const args = parseArgs(['dataset', '--keep', 'other', '--list']);
    assert.deepEqual(args.names, ['dataset', 'other']);
    assert.equal(args.keep, true);
    assert.equal(args.list, true);
    assert.equal(args.options.size, 0);
  });

  void it('passes --key=value and bare --key flags to the benchmarks', () => {
    const args = parseArgs(['--mailboxes=100_000', '--verbose']);
    assert.equal(args.options.get('mailboxes'), '100_000');
    assert.equal(args.options.get('verbose'), 'true');
    assert.deepEqual(args.names, []);
  });
});
