import { Box, LinearProgress, Typography } from '@mui/material';
import { MoveState } from '@roost/core';
import { useRecordContext } from 'react-admin';
import { formatBytes, formatCount, formatDuration } from '../format';
import { isFailed, isFlipped, type MoveRecord } from './types';

/** Bytes copied as a bar, with messages, folders, rate and ETA underneath. */
export const MoveProgressBar = ({
  move,
  width = 260,
}: {
  move: MoveRecord;
  width?: number | string;
}) => {
  const done = isFlipped(move.state);
  const failed = isFailed(move.state);
  const pct = done ? 100 : move.bytesTotal > 0 ? move.percent : null;
  const starting = move.state === MoveState.Queued || move.state === MoveState.Preparing;
  return (
    <Box sx={{ width, minWidth: 160 }} data-testid="move-progress" data-state={move.state}>
      <LinearProgress
        variant={pct === null || (starting && !move.bytesTotal) ? 'indeterminate' : 'determinate'}
        value={done ? 100 : Math.min(100, pct ?? 0)}
        color={
          failed
            ? 'error'
            : done
              ? 'success'
              : move.state === MoveState.Frozen
                ? 'warning'
                : 'primary'
        }
        sx={{ height: 8, borderRadius: 4 }}
        aria-label={`move ${move.id} ${move.state} ${pct === null ? '' : `${Math.round(pct)}%`}`}
      />
      <Typography variant="caption" color="text.secondary" component="div" noWrap>
        {move.state}
        {pct !== null && ` · ${Math.round(pct)}%`} · {formatCount(move.messagesDone)}/
        {formatCount(move.messagesTotal)} msgs · {formatBytes(move.bytesDone)}/
        {formatBytes(move.bytesTotal)}
      </Typography>
      {!done && !failed && (
        <Typography variant="caption" color="text.secondary" component="div" noWrap>
          folders {move.foldersDone}/{move.foldersTotal}
          {move.rateMessagesPerS !== null && ` · ${move.rateMessagesPerS.toFixed(0)} msg/s`}
          {move.etaS !== null && ` · ETA ${formatDuration(move.etaS)}`}
        </Typography>
      )}
    </Box>
  );
};

export const MoveProgressField = (_: { label?: string }) => {
  const move = useRecordContext<MoveRecord>();
  return move ? <MoveProgressBar move={move} /> : null;
};
