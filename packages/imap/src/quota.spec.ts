import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CYRUS_MAX_STORAGE_KIB, isValidStorageKiB, parseQuotaResources } from './quota';

const atoms = (...values: string[]) => values.map((value) => ({ type: 'ATOM', value }));

void describe('parseQuotaResources', () => {
  void it('reads usage and limit per resource', () => {
    assert.deepEqual(parseQuotaResources(atoms('STORAGE', '7', '10', 'MESSAGE', '2', '100')), {
      STORAGE: { usage: 7, limit: 10 },
      MESSAGE: { usage: 2, limit: 100 },
    });
  });

  void it('gives no resources for a root without limits or a malformed answer', () => {
    assert.deepEqual(parseQuotaResources([]), {});
    assert.deepEqual(parseQuotaResources(undefined), {});
    assert.deepEqual(parseQuotaResources(atoms('STORAGE', 'x', '10')), {});
  });
});

void describe('isValidStorageKiB', () => {
  void it("accepts 0 up to Cyrus' signed 32-bit limit", () => {
    assert.equal(isValidStorageKiB(0), true);
    assert.equal(isValidStorageKiB(CYRUS_MAX_STORAGE_KIB), true);
    assert.equal(isValidStorageKiB(CYRUS_MAX_STORAGE_KIB + 1), false);
    assert.equal(isValidStorageKiB(-1), false);
    assert.equal(isValidStorageKiB(1.5), false);
  });
});
