import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TlsMode } from '@roost/core';
import { CyrusBackendConfig, imapFlowOptions } from './options';

const backend = (over: Partial<CyrusBackendConfig> = {}): CyrusBackendConfig => ({
  name: 'b1',
  imapHost: 'imap1.example.net',
  imapPort: 993,
  tlsMode: TlsMode.Tls,
  tlsVerify: true,
  adminUser: 'cyrus',
  ...over,
});

void describe('imapFlowOptions', () => {
  void it('verifies certificates unless the backend says otherwise', () => {
    const on = imapFlowOptions(backend(), { user: 'cyrus', pass: 'p' });
    assert.equal(on.secure, true);
    assert.equal(on.tls?.rejectUnauthorized, true);
    assert.equal(on.tls?.servername, 'imap1.example.net');
    const off = imapFlowOptions(backend({ tlsVerify: false }), { user: 'cyrus', pass: 'p' });
    assert.equal(off.tls?.rejectUnauthorized, false);
  });

  void it('requires STARTTLS in starttls mode and stays in cleartext in none mode', () => {
    const starttls = imapFlowOptions(backend({ tlsMode: TlsMode.StartTls, imapPort: 143 }), {
      user: 'cyrus',
      pass: 'p',
    });
    assert.equal(starttls.secure, false);
    assert.equal(starttls.doSTARTTLS, true);
    const none = imapFlowOptions(backend({ tlsMode: TlsMode.None, imapHost: '127.0.0.1' }), {
      user: 'cyrus',
      pass: 'p',
    });
    assert.equal(none.secure, false);
    assert.equal(none.doSTARTTLS, false);
    assert.equal(none.tls, undefined);
  });

  void it('sends no SNI name for an IP address', () => {
    const opts = imapFlowOptions(backend({ imapHost: '10.0.0.5' }), { user: 'cyrus', pass: 'p' });
    assert.equal(opts.tls?.servername, undefined);
  });

  void it('uses SASL PLAIN with the owner as authzid for proxy sessions', () => {
    const opts = imapFlowOptions(backend(), {
      user: 'cyrus',
      pass: 'p',
      authzid: 'alice@example.com',
    });
    assert.deepEqual(opts.auth, {
      user: 'cyrus',
      pass: 'p',
      authzid: 'alice@example.com',
      loginMethod: 'AUTH=PLAIN',
    });
  });

  void it('turns logging and compression off and sets every timeout', () => {
    const opts = imapFlowOptions(
      backend(),
      { user: 'cyrus', pass: 'p' },
      {
        connectionTimeoutMs: 1,
        greetingTimeoutMs: 2,
        socketTimeoutMs: 3,
        logoutTimeoutMs: 4,
      },
    );
    assert.equal(opts.logger, false);
    assert.equal(opts.disableCompression, true);
    assert.equal(opts.connectionTimeout, 1);
    assert.equal(opts.greetingTimeout, 2);
    assert.equal(opts.socketTimeout, 3);
  });
});
