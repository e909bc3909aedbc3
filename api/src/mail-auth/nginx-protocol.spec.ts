import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nginxAnswerHeaders, parseNginxAuthRequest, percentDecode } from './nginx-protocol';

void describe('nginx auth_http protocol', () => {
  void it('URL-decodes user and password the way nginx escapes them', () => {
    // nginx sent this for the password  p a%20ss"x\y{3}  (notes/routing.md §4.2)
    assert.equal(percentDecode('p%20a%2520ss%22x%5Cy%7B3%7D'), 'p a%20ss"x\\y{3}');
    assert.equal(percentDecode('j%C3%B6rg'), 'jörg');
    assert.equal(percentDecode('100%'), '100%');
    assert.equal(percentDecode('a%zz'), 'a%zz');
  });

  void it('reads the request headers', () => {
    const req = parseNginxAuthRequest({
      'auth-method': 'LOGIN',
      'auth-user': 'Alice%40Example.COM',
      'auth-pass': 'x%20y',
      'auth-protocol': 'imap',
      'auth-login-attempt': '2',
      'client-ip': '192.0.2.7',
    });
    assert.deepEqual(req, {
      method: 'login',
      protocol: 'imap',
      user: 'Alice@Example.COM',
      password: 'x y',
      attempt: 2,
      clientIp: '192.0.2.7',
    });
    assert.equal(parseNginxAuthRequest({}).attempt, 1);
    assert.equal(parseNginxAuthRequest({}).clientIp, null);
  });

  void it('answers OK with server, port and the normalised user', () => {
    assert.deepEqual(
      nginxAnswerHeaders({ kind: 'ok', server: '10.0.0.1', port: 143, user: 'a@b.example' }),
      {
        'Auth-Status': 'OK',
        'Auth-Server': '10.0.0.1',
        'Auth-Port': '143',
        'Auth-User': 'a@b.example',
      },
    );
  });

  void it('answers WAIT and failures with Auth-Wait, on one line', () => {
    assert.deepEqual(nginxAnswerHeaders({ kind: 'wait', waitSeconds: 1 }), {
      'Auth-Status': 'WAIT',
      'Auth-Wait': '1',
    });
    assert.deepEqual(nginxAnswerHeaders({ kind: 'fail', message: 'no\r\nway', waitSeconds: 3 }), {
      'Auth-Status': 'no way',
      'Auth-Wait': '3',
    });
    assert.deepEqual(nginxAnswerHeaders({ kind: 'fail', message: 'closed' }), {
      'Auth-Status': 'closed',
    });
  });
});
