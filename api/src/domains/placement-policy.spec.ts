import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePlacementPolicy } from './placement-policy';

void describe('parsePlacementPolicy', () => {
  void it('accepts the three kinds', () => {
    assert.deepEqual(parsePlacementPolicy({ kind: 'any' }), {
      policy: { kind: 'any' },
      backendIds: [],
    });
    assert.deepEqual(parsePlacementPolicy({ kind: 'pinned', backendIds: [2, 2, 3] }), {
      policy: { kind: 'pinned', backendIds: [2, 3] },
      backendIds: [2, 3],
    });
    const rules = [
      { from: 'a', to: 'k', backendId: 1 },
      { from: 'l', to: 'z', backendId: 2 },
    ];
    assert.deepEqual(parsePlacementPolicy({ kind: 'rules', rules }), {
      policy: { kind: 'rules', rules },
      backendIds: [1, 2],
    });
  });

  void it('names the field at fault', () => {
    const fieldsOf = (input: unknown) => {
      const r = parsePlacementPolicy(input);
      assert.ok('errors' in r);
      return r.errors.map((e) => e.field);
    };
    assert.deepEqual(fieldsOf('any'), ['placementPolicy']);
    assert.deepEqual(fieldsOf({ kind: 'random' }), ['placementPolicy.kind']);
    assert.deepEqual(fieldsOf({ kind: 'any', extra: 1 }), ['placementPolicy.extra']);
    assert.deepEqual(fieldsOf({ kind: 'pinned', backendIds: [] }), ['placementPolicy.backendIds']);
    assert.deepEqual(fieldsOf({ kind: 'pinned', backendIds: [-1] }), [
      'placementPolicy.backendIds',
    ]);
    assert.deepEqual(fieldsOf({ kind: 'rules', rules: [{ from: 'k', to: 'a', backendId: 1 }] }), [
      'placementPolicy.rules.0.to',
    ]);
    assert.deepEqual(
      fieldsOf({
        kind: 'rules',
        rules: [
          { from: 'a', to: 'm', backendId: 1 },
          { from: 'l', to: 'z', backendId: 2 },
        ],
      }),
      ['placementPolicy.rules.1'],
    );
  });
});
