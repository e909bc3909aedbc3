import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AliasFacts, aliasLoop } from './alias-graph';

function world(
  aliases: Record<string, string[]>,
  mailboxes: string[] = [],
  aliasDomains: Record<string, string> = {},
) {
  const facts: AliasFacts = {
    aliases: new Map(Object.entries(aliases)),
    mailboxes: new Set(mailboxes),
    aliasDomains: new Map(Object.entries(aliasDomains)),
  };
  return (addresses: string[]): Promise<AliasFacts> => {
    const domains = new Set(addresses.map((a) => a.slice(a.lastIndexOf('@') + 1)));
    return Promise.resolve({
      aliases: new Map(
        [...facts.aliases].filter(
          ([k]) => addresses.includes(k) || (k.startsWith('@') && domains.has(k.slice(1))),
        ),
      ),
      mailboxes: new Set([...facts.mailboxes].filter((m) => addresses.includes(m))),
      aliasDomains: new Map([...facts.aliasDomains].filter(([k]) => domains.has(k))),
    });
  };
}

void describe('aliasLoop', () => {
  void it('accepts a plain forward and a chain that ends in a mailbox', async () => {
    const load = world({ 'b@x.org': ['c@x.org'] }, ['c@x.org']);
    assert.equal(await aliasLoop('a@x.org', ['b@x.org', 'someone@remote.net'], load), null);
  });

  void it('rejects a self-reference', async () => {
    assert.match((await aliasLoop('a@x.org', ['a@x.org'], world({}))) ?? '', /loop/);
  });

  void it('accepts keeping a copy in the mailbox at the same address', async () => {
    assert.equal(
      await aliasLoop('a@x.org', ['a@x.org', 'b@remote.net'], world({}, ['a@x.org'])),
      null,
    );
  });

  void it('rejects A -> B -> A and longer cycles', async () => {
    assert.match(
      (await aliasLoop('a@x.org', ['b@x.org'], world({ 'b@x.org': ['a@x.org'] }))) ?? '',
      /loop/,
    );
    const load = world({ 'b@x.org': ['c@y.org'], 'c@y.org': ['d@x.org'], 'd@x.org': ['a@x.org'] });
    assert.match((await aliasLoop('a@x.org', ['b@x.org'], load)) ?? '', /loop/);
  });

  void it('follows catch-alls and alias domains', async () => {
    // A catch-all that sends to a non-mailbox of its own domain comes back to itself.
    assert.match((await aliasLoop('@x.org', ['nobody@x.org'], world({}))) ?? '', /loop/);
    assert.equal(await aliasLoop('@x.org', ['boss@x.org'], world({}, ['boss@x.org'])), null);
    // a@x.org -> a@alias.org, which is a@x.org again through the alias domain.
    assert.match(
      (await aliasLoop('a@x.org', ['a@alias.org'], world({}, [], { 'alias.org': 'x.org' }))) ?? '',
      /loop/,
    );
  });

  void it('rejects a chain deeper than the limit', async () => {
    const aliases: Record<string, string[]> = {};
    for (let i = 1; i < 15; i++) aliases[`n${i}@x.org`] = [`n${i + 1}@x.org`];
    assert.match((await aliasLoop('start@x.org', ['n1@x.org'], world(aliases))) ?? '', /deeper/);
  });
});
