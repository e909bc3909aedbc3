import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ImapConnectionError,
  ImapInvalidNameError,
  ImapNotFoundError,
  ImapQuotaRefusedError,
  SecretRefError,
} from '@roost/imap';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { PermanentError, isPermanentFailure, runWithFailurePolicy } from './failures';

const job = (attemptsMade: number, attempts = 3) => ({
  data: { mailboxId: 7 },
  attemptsMade,
  opts: { attempts },
});

void describe('isPermanentFailure', () => {
  void it('gives up on names, quotas, missing mailboxes and bad secret references', () => {
    assert.equal(isPermanentFailure(new ImapInvalidNameError('x')), true);
    assert.equal(isPermanentFailure(new ImapQuotaRefusedError('x')), true);
    assert.equal(isPermanentFailure(new ImapNotFoundError('x')), true);
    assert.equal(isPermanentFailure(new SecretRefError('x')), true);
    assert.equal(isPermanentFailure(new PermanentError('x')), true);
  });

  void it('retries when the backend or anything else did not answer', () => {
    assert.equal(isPermanentFailure(new ImapConnectionError('x')), false);
    assert.equal(isPermanentFailure(new Error('connection terminated unexpectedly')), false);
  });
});

void describe('runWithFailurePolicy', () => {
  void it('ends a permanent failure at once and records the reason', async () => {
    const given: string[] = [];
    await assert.rejects(
      runWithFailurePolicy(job(0), () => Promise.reject(new ImapInvalidNameError('bad name')), {
        onGiveUp: (_d, reason) => {
          given.push(reason);
          return Promise.resolve();
        },
      }),
      (err: unknown) => err instanceof UnrecoverableError && err.message === 'bad name',
    );
    assert.deepEqual(given, ['bad name']);
  });

  void it('rethrows a transient failure for a retry and records it only on the last attempt', async () => {
    const given: string[] = [];
    const hook = {
      onGiveUp: (_d: unknown, reason: string) => {
        given.push(reason);
        return Promise.resolve();
      },
    };
    const down = new ImapConnectionError('backend down');
    await assert.rejects(
      runWithFailurePolicy(job(0), () => Promise.reject(down), hook),
      (e) => e === down,
    );
    await assert.rejects(
      runWithFailurePolicy(job(1), () => Promise.reject(down), hook),
      (e) => e === down,
    );
    assert.deepEqual(given, []);
    await assert.rejects(
      runWithFailurePolicy(job(2), () => Promise.reject(down), hook),
      (e) => e === down,
    );
    assert.deepEqual(given, ['backend down']);
  });

  void it('lets a job that rescheduled itself through untouched', async () => {
    let called = false;
    await assert.rejects(
      runWithFailurePolicy(job(2), () => Promise.reject(new DelayedError()), {
        onGiveUp: () => {
          called = true;
          return Promise.resolve();
        },
      }),
      DelayedError,
    );
    assert.equal(called, false);
  });

  void it('returns the result of a job that works', async () => {
    assert.deepEqual(await runWithFailurePolicy(job(0), () => Promise.resolve({ ok: 1 }), {}), {
      ok: 1,
    });
  });
});
