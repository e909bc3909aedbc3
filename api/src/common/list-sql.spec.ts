import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlWhere } from './list-sql';

const FILTERS = {
  q: 'prefix',
  id: 'ids',
  active: 'bool',
  state: { enum: ['up', 'down'] },
} as const;
const COLUMNS = { q: 'x.name', id: 'x.id', active: 'x.active', state: 'x.state' };

void describe('SqlWhere', () => {
  void it('is empty without terms', () => {
    const where = new SqlWhere().andFilters(FILTERS, {}, COLUMNS);
    assert.equal(where.clause(), '');
    assert.deepEqual(where.params, []);
  });

  void it('numbers the parameters after the terms added before the filters', () => {
    const where = new SqlWhere();
    where.and(`x.domain_id = ANY(${where.param([4, 5])}::int[])`);
    where.andFilters(FILTERS, { q: 'a_b', id: [1, 2], active: false, state: 'down' }, COLUMNS);
    assert.equal(
      where.clause(),
      'WHERE x.domain_id = ANY($1::int[]) AND x.name LIKE $2 AND x.id = ANY($3::int[])' +
        ' AND x.active = $4 AND x.state = $5',
    );
    assert.deepEqual(where.params, [[4, 5], 'a\\_b%', [1, 2], false, 'down']);
  });
});
