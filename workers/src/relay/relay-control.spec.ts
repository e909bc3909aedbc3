import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayArgv } from './relay-control';

void describe('relayArgv', () => {
  void it('substitutes {action} in every argument', () => {
    assert.deepEqual(relayArgv(['postfix', '-c', '/etc/postfix', '{action}'], 'reload'), [
      'postfix',
      '-c',
      '/etc/postfix',
      'reload',
    ]);
    assert.deepEqual(relayArgv(['ssh', 'relay1', 'sudo postfix {action}'], 'flush'), [
      'ssh',
      'relay1',
      'sudo postfix flush',
    ]);
  });

  void it('refuses templates that are not a non-empty array of strings', () => {
    for (const bad of [null, 'postfix reload', [], [''], ['postfix', 1], { reload: ['x'] }]) {
      assert.ok('error' in (relayArgv(bad, 'reload') as object), JSON.stringify(bad));
    }
  });
});
