import CancelIcon from '@mui/icons-material/Cancel';
import ReplayIcon from '@mui/icons-material/Replay';
import { useState } from 'react';
import {
  Button,
  Confirm,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { messageOf } from '../api';
import type { RoostDataProvider } from '../dataProvider';
import { canCancel, canRetry, type MoveRecord } from './types';

export const MoveActionButtons = (_: { label?: string }) => {
  const move = useRecordContext<MoveRecord>();
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!move) return null;
  const act = async (action: 'cancel' | 'retry') => {
    setBusy(true);
    try {
      await dp.moveAction(move.id, action);
      notify(action === 'cancel' ? 'Cancel requested: the move rolls back' : 'Move queued again', {
        type: 'info',
      });
    } catch (err) {
      notify(messageOf(err), { type: 'error' });
    } finally {
      setBusy(false);
      setConfirm(false);
      refresh();
    }
  };
  return (
    <span onClick={(e) => e.stopPropagation()}>
      {canCancel(move) && (
        <Button
          label="Cancel"
          color="error"
          disabled={busy}
          onClick={() => setConfirm(true)}
          startIcon={<CancelIcon />}
        />
      )}
      {canRetry(move) && (
        <Button
          label="Retry"
          disabled={busy}
          onClick={() => void act('retry')}
          startIcon={<ReplayIcon />}
        />
      )}
      <Confirm
        isOpen={confirm}
        title="Cancel this move?"
        content="The copy stops and the partial target is deleted; the user stays on the source."
        onConfirm={() => void act('cancel')}
        onClose={() => setConfirm(false)}
      />
    </span>
  );
};
