import SearchIcon from '@mui/icons-material/Search';
import {
  Card,
  CardContent,
  InputAdornment,
  List as MuiList,
  ListItemButton,
  ListItemText,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { Title, useGetList, useRedirect } from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty, ErrorState, Loading } from '../components/States';
import { UsageBar } from '../components/UsageBar';
import { formatBytes } from '../format';
import type { MailboxRecord } from '../mailboxes/types';
import { RecordContextProvider } from 'react-admin';

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/**
 * One box across everything the admin may see: the beginning of an address, or of a name or any
 * word of it ("smi" finds John Smith); a hit opens the user page.
 */
export const SupportSearch = ({ embedded }: { embedded?: boolean }) => {
  const [text, setText] = useState('');
  const q = useDebounced(text.trim().toLowerCase(), 250);
  const redirect = useRedirect();
  const { data, total, isPending, error } = useGetList<MailboxRecord>(
    'mailboxes',
    {
      filter: { search: q }, // address or name; the lists' `q` is the address only
      sort: { field: 'address', order: 'ASC' },
      pagination: { page: 1, perPage: 20 },
    },
    { enabled: q.length >= 2 },
  );
  return (
    <Card sx={{ mt: embedded ? 0 : 2 }}>
      {!embedded && <Title title="Find a user" />}
      <CardContent>
        <TextField
          autoFocus
          fullWidth
          label="Address or name"
          placeholder="alice@, alice@example.com, Alice or Smith"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && data?.length === 1) redirect('show', 'mailboxes', data[0].id);
          }}
          slotProps={{
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon />
                </InputAdornment>
              ),
            },
            htmlInput: { 'aria-label': 'search users' },
          }}
          helperText="The beginning of an address, or of a name or any word of it (at least 2 characters)"
        />
        {q.length < 2 ? null : isPending ? (
          <Loading what="users" />
        ) : error ? (
          <ErrorState error={error} />
        ) : !data?.length ? (
          <Empty>No mailbox address or name starts with “{q}”.</Empty>
        ) : (
          <>
            <MuiList dense aria-label="search results">
              {data.map((m) => (
                <RecordContextProvider key={m.id} value={m}>
                  <ListItemButton onClick={() => redirect('show', 'mailboxes', m.id)}>
                    <ListItemText primary={m.address} secondary={m.displayName || undefined} />
                    <StateChip source="state" />
                    <UsageBar
                      used={m.usedBytes}
                      total={m.quotaBytes || null}
                      format={formatBytes}
                      width={160}
                    />
                  </ListItemButton>
                </RecordContextProvider>
              ))}
            </MuiList>
            {total !== undefined && total > data.length && (
              <Typography variant="caption">
                {total} matches; type more of the address or name to narrow them.
              </Typography>
            )}
          </>
        )}
      </CardContent>
    </Card>
  );
};
