import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, formatValue, resultFileName } from './report';
import { median, percentile } from './stats';

void describe('formatTable', () => {
  void it('prints value, unit, baseline and ratio per metric', () => {
    const table = formatTable([
      {
        name: 'dataset',
        metrics: [
          { label: 'load', value: 79.5, unit: 's' },
          { label: 'lookup', value: 0.1, unit: 'ms', baseline: 0.05 },
        ],
      },
    ]);
    const lines = table.split('\n');
    assert.match(lines[0], /^benchmark\s+metric\s+value\s+unit\s+baseline\s+ratio$/);
    assert.match(lines[2], /^dataset\s+load\s+79\.50\s+s$/);
    assert.match(lines[3], /^dataset\s+lookup\s+0\.100\s+ms\s+0\.0500\s+2\.00x$/);
  });
});

void describe('formatValue', () => {
  void it('keeps three significant digits for small values and groups large ones', () => {
    assert.equal(formatValue(0.04567), '0.0457');
    assert.equal(formatValue(12), '12');
    assert.equal(formatValue(260.54), '260.5');
    assert.equal(formatValue(13842.4), '13,842');
  });
});

void describe('resultFileName', () => {
  void it('is the name plus a timestamp without colons', () => {
    assert.equal(
      resultFileName('dataset', new Date('2026-11-22T07:52:53.613Z')),
      'dataset-2026-11-22T07-52-53-613Z.json',
    );
  });
});

void describe('median and percentile', () => {
  void it('interpolate between closest ranks', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([1, 2, 3, 4]), 2.5);
    assert.equal(percentile([1, 2, 3, 4, 5], 95), 4.8);
    assert.ok(Number.isNaN(median([])));
  });
});
