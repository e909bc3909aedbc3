import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ImapAlreadyExistsError,
  ImapAuthenticationError,
  ImapCommandError,
  ImapConnectionError,
  ImapError,
  ImapInvalidNameError,
  ImapNotFoundError,
  ImapOverQuotaError,
  ImapPermissionError,
  commandFailureKind,
  isConnectionFailure,
  toImapError,
} from './errors';

// Errors shaped like the ones imapflow 2.10.2 raises for Cyrus 3.6.1's real answers.
const no = (responseText: string, serverResponseCode?: string) =>
  Object.assign(new Error('Command failed'), {
    responseStatus: 'NO',
    responseText,
    serverResponseCode,
  });

void describe('commandFailureKind', () => {
  void it('reads RFC 5530 response codes first', () => {
    assert.equal(commandFailureKind('NONEXISTENT', 'whatever'), 'not-found');
    assert.equal(commandFailureKind('ALREADYEXISTS', ''), 'already-exists');
    assert.equal(commandFailureKind('NOPERM', ''), 'permission');
    assert.equal(commandFailureKind('OVERQUOTA', ''), 'over-quota');
    assert.equal(commandFailureKind('USEATTR', 'Invalid annotation entry'), 'invalid-name');
  });

  void it("recognises Cyrus 3.6's texts when there is no code", () => {
    assert.equal(commandFailureKind(undefined, 'Mailbox does not exist'), 'not-found');
    assert.equal(commandFailureKind(undefined, 'Quota root does not exist'), 'not-found');
    assert.equal(commandFailureKind(undefined, 'Mailbox already exists'), 'already-exists');
    assert.equal(commandFailureKind(undefined, 'Permission denied'), 'permission');
    assert.equal(commandFailureKind(undefined, 'Over quota'), 'over-quota');
    assert.equal(commandFailureKind(undefined, 'Invalid mailbox name'), 'invalid-name');
    assert.equal(commandFailureKind(undefined, 'authorization failure'), 'authentication');
    assert.equal(commandFailureKind(undefined, 'Invalid quota list in Setquota'), 'command');
  });
});

void describe('isConnectionFailure', () => {
  void it('treats refused, reset, timeouts, closed connections and BYE as connection failures', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'NoConnection',
      'CONNECT_TIMEOUT',
      'GREETING_TIMEOUT',
      'ETIMEOUT',
    ]) {
      assert.equal(isConnectionFailure({ code, message: 'x' }), true, code);
    }
    assert.equal(isConnectionFailure({ responseStatus: 'BYE', message: 'Fatal error' }), true);
    assert.equal(
      isConnectionFailure({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed' }),
      true,
    );
    assert.equal(isConnectionFailure({ message: 'Unexpected close' }), true);
  });

  void it('does not treat a NO answer as a connection failure', () => {
    assert.equal(
      isConnectionFailure({
        responseStatus: 'NO',
        responseText: 'Permission denied',
        message: 'Command failed',
      }),
      false,
    );
  });
});

void describe('toImapError', () => {
  void it('maps NO answers to the typed error of their kind, keeping the context', () => {
    const err = toImapError(no('Mailbox does not exist'), {
      backend: 'b1',
      command: 'SETQUOTA',
      mailbox: 'user/a@example.com',
    });
    assert.ok(err instanceof ImapNotFoundError);
    assert.equal(err.backend, 'b1');
    assert.equal(err.command, 'SETQUOTA');
    assert.equal(err.mailbox, 'user/a@example.com');
    assert.equal(err.responseText, 'Mailbox does not exist');
    assert.match(
      err.message,
      /SETQUOTA user\/a@example.com failed on backend b1: NO Mailbox does not exist/,
    );

    assert.ok(toImapError(no('Mailbox already exists')) instanceof ImapAlreadyExistsError);
    assert.ok(toImapError(no('Over quota')) instanceof ImapOverQuotaError);
    assert.ok(toImapError(no('Invalid mailbox name')) instanceof ImapInvalidNameError);
    assert.ok(toImapError(no('Permission denied')) instanceof ImapPermissionError);
    const bad = Object.assign(new Error('Command failed'), {
      responseStatus: 'BAD',
      responseText: 'Invalid quota list in Setquota',
    });
    assert.ok(toImapError(bad) instanceof ImapCommandError);
  });

  void it('maps a refused login to an authentication error, which is also a permission error', () => {
    const err = toImapError(
      Object.assign(new Error('Command failed'), {
        authenticationFailed: true,
        responseText: 'authentication failure',
      }),
      { backend: 'b1' },
    );
    assert.ok(err instanceof ImapAuthenticationError);
    assert.ok(err instanceof ImapPermissionError);
    assert.equal(err.kind, 'authentication');
  });

  void it('maps socket failures to a connection error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const err = toImapError(refused, { backend: 'b2', command: 'LOGIN' });
    assert.ok(err instanceof ImapConnectionError);
    assert.match(err.message, /backend b2 not reachable during LOGIN: ECONNREFUSED/);
    assert.equal(err.cause, refused);
  });

  void it('passes typed errors through and wraps anything else as a command error', () => {
    const typed = new ImapNotFoundError('gone');
    assert.equal(toImapError(typed), typed);
    const other = toImapError('weird');
    assert.ok(other instanceof ImapError);
    assert.equal(other.kind, 'command');
  });
});
