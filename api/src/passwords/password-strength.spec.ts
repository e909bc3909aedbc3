import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePassword, passwordWeakness } from './password-strength';

void describe('passwordWeakness', () => {
  void it('accepts a long varied password', () => {
    assert.equal(passwordWeakness('blue-Kettle-42-river', { localPart: 'alice' }), null);
  });

  void it('names the rule a weak password breaks', () => {
    const cases: [string, string, { localPart?: string; domain?: string }?][] = [
      ['short1!', 'at least 10'],
      ['x'.repeat(257), 'at most 256'],
      ['aaaaaaaaaaaa', '5 different'],
      ['Password123', 'well-known'],
      ['tab\there-and-more', 'control'],
      ['xx-alice-2024-yy', 'user name', { localPart: 'alice' }],
      ['example-2024-yy!', 'domain', { domain: 'example.com' }],
    ];
    for (const [password, reason, ctx] of cases) {
      const weakness = passwordWeakness(password, ctx);
      assert.ok(weakness?.includes(reason), `${password}: ${weakness}`);
    }
  });
});

void describe('generatePassword', () => {
  void it('makes distinct strong passwords', () => {
    const a = generatePassword();
    const b = generatePassword();
    assert.equal(a.length, 20);
    assert.notEqual(a, b);
    assert.equal(passwordWeakness(a), null);
  });
});
