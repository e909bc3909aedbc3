import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexesUsed, likePrefix, type PlanNode, seqScansOn } from './explain';

const plan: PlanNode = {
  'Node Type': 'Nested Loop',
  Plans: [
    { 'Node Type': 'Seq Scan', 'Relation Name': 'backends', Alias: 'b' },
    { 'Node Type': 'Seq Scan', 'Relation Name': 'domains', Alias: 'd_2' },
    {
      'Node Type': 'Index Scan',
      'Relation Name': 'mailboxes',
      Alias: 'mailboxes',
      'Index Name': 'mailboxes_address_key',
    },
  ],
};

void describe('seqScansOn', () => {
  void it('reports sequential scans of the listed tables only, as EXPLAIN prints them', () => {
    assert.deepEqual(seqScansOn(plan, ['mailboxes', 'domains']), ['Seq Scan on domains d_2']);
    assert.deepEqual(seqScansOn(plan, ['mailboxes', 'aliases']), []);
  });
});

void describe('indexesUsed', () => {
  void it('lists the indexes a plan reads', () => {
    assert.deepEqual(indexesUsed(plan), ['mailboxes_address_key']);
  });
});

void describe('likePrefix', () => {
  void it('escapes LIKE wildcards in the prefix', () => {
    assert.equal(likePrefix('ab'), 'ab%');
    assert.equal(likePrefix('a_b%c\\'), 'a\\_b\\%c\\\\%');
  });
});
