import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Box,
  Card,
  CardContent,
  Chip,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import Papa from 'papaparse';
import { useMemo, useState } from 'react';
import { Button, Title, useDataProvider, useNotify } from 'react-admin';
import { messageOf } from '../api';
import { CopyField } from '../components/CopyField';
import type { ImportReport, ImportRowError, RoostDataProvider } from '../dataProvider';

type Kind = 'mailboxes' | 'aliases';

const HELP: Record<Kind, string> = {
  mailboxes:
    'Columns: address (required), display_name, quota_bytes, password or password_hash ({SHA512-CRYPT}, {ARGON2ID}, ...), pinned. Up to 5,000 rows.',
  aliases:
    'Columns: address (or @domain for the catch-all, required), targets (space, comma or ; separated, required), active. Up to 10,000 rows.',
};

const PREVIEW_ROWS = 200;

/** CSV import: parse locally for the preview, dry-run on the API for per-row errors, then apply. */
export const CsvImport = () => {
  const dp = useDataProvider<RoostDataProvider>();
  const notify = useNotify();
  const [kind, setKind] = useState<Kind>('mailboxes');
  const [csv, setCsv] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [applied, setApplied] = useState<ImportReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const parsed = useMemo(() => {
    if (!csv.trim()) return null;
    return Papa.parse<Record<string, string>>(csv.trim(), { header: true, skipEmptyLines: true });
  }, [csv]);

  const errorsByRow = useMemo(() => {
    const m = new Map<number, ImportRowError[]>();
    for (const e of report?.errors ?? []) m.set(e.row, [...(m.get(e.row) ?? []), e]);
    return m;
  }, [report]);

  const reset = () => {
    setReport(null);
    setApplied(null);
    setError(null);
  };

  const onFile = async (f: File | undefined) => {
    if (!f) return;
    setFileName(f.name);
    setCsv(await f.text());
    reset();
  };

  const call = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await dp.importCsv(kind, {
        csv,
        dryRun,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      if (dryRun) setReport(r);
      else {
        setApplied(r);
        notify(`Imported ${r.created?.length ?? r.rows} ${kind}`, { type: 'success' });
      }
    } catch (err) {
      // an apply that found errors answers 422 with the rows: show them like a dry run
      const body = (err as { body?: { fieldErrors?: { field: string; reason: string }[] } }).body;
      setError(messageOf(err));
      if (!dryRun && body?.fieldErrors)
        setReport({ dryRun: true, ok: false, rows: 0, errors: body.fieldErrors as never });
    } finally {
      setBusy(false);
    }
  };

  const columns = parsed?.meta.fields ?? [];
  const rows = parsed?.data ?? [];
  const fileErrors = report?.errors.filter((e) => e.row === 0) ?? [];
  const generated = applied?.created?.filter((c) => c.generatedPassword) ?? [];

  return (
    <Card sx={{ mt: 2 }}>
      <Title title="Import CSV" />
      <CardContent>
        <Stack spacing={2}>
          <ToggleButtonGroup
            exclusive
            value={kind}
            onChange={(_, v: Kind | null) => {
              if (v) {
                setKind(v);
                reset();
              }
            }}
            size="small"
          >
            <ToggleButton value="mailboxes">Mailboxes</ToggleButton>
            <ToggleButton value="aliases">Aliases</ToggleButton>
          </ToggleButtonGroup>
          <Typography variant="body2" color="text.secondary">
            {HELP[kind]} The dry run checks every row without writing; the import then writes all
            rows or none.
          </Typography>
          <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
            <Button
              label="Choose file"
              variant="outlined"
              startIcon={<UploadFileIcon />}
              {...{ component: 'label' }}
            >
              <input
                hidden
                type="file"
                accept=".csv,text/csv"
                onChange={(e) => void onFile(e.target.files?.[0])}
              />
            </Button>
            <Typography variant="body2">{fileName ?? 'or paste the CSV below'}</Typography>
          </Stack>
          <TextField
            label="CSV"
            multiline
            minRows={4}
            maxRows={12}
            value={csv}
            onChange={(e) => {
              setCsv(e.target.value);
              setFileName(null);
              reset();
            }}
            slotProps={{ input: { sx: { fontFamily: 'monospace', fontSize: 13 } } }}
          />
          {kind === 'mailboxes' && (
            <TextField
              label="Reason (audit log)"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              size="small"
            />
          )}
          <Stack direction="row" spacing={2}>
            <Button
              label="Dry run"
              variant="outlined"
              disabled={!csv.trim() || busy}
              onClick={() => void call(true)}
            />
            <Button
              label={`Import ${rows.length} rows`}
              variant="contained"
              disabled={!report?.ok || busy || !!applied}
              onClick={() => void call(false)}
            />
          </Stack>
          {error && <Alert severity="error">{error}</Alert>}
          {report && report.ok && !applied && (
            <Alert severity="success">
              Dry run: all {report.rows} rows are valid. Nothing was written yet.
            </Alert>
          )}
          {report && !report.ok && (
            <Alert severity="warning">
              {report.errors.length} problems; fix the CSV and run the dry run again. Nothing was
              written.
            </Alert>
          )}
          {fileErrors.map((e, i) => (
            <Alert key={i} severity="error">
              {e.field}: {e.reason}
            </Alert>
          ))}
          {applied && (
            <Alert severity="success">
              Imported {applied.created?.length ?? applied.rows} {kind}.
            </Alert>
          )}
          {generated.length > 0 && (
            <Box>
              <Typography variant="subtitle2">Generated passwords (shown once)</Typography>
              {generated.map((g) => (
                <CopyField key={g.id} label={g.address} value={g.generatedPassword!} />
              ))}
            </Box>
          )}
          {parsed && rows.length > 0 && (
            <TableContainer sx={{ maxHeight: 480 }}>
              <Table size="small" stickyHeader aria-label="import preview">
                <TableHead>
                  <TableRow>
                    <TableCell>Row</TableCell>
                    {columns.map((c) => (
                      <TableCell key={c}>{c}</TableCell>
                    ))}
                    <TableCell>Check</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {rows.slice(0, PREVIEW_ROWS).map((r, i) => {
                    const errs = errorsByRow.get(i + 1) ?? [];
                    const bad = new Set(errs.map((e) => e.field));
                    return (
                      <TableRow key={i} sx={errs.length ? { bgcolor: 'error.50' } : undefined}>
                        <TableCell>{i + 1}</TableCell>
                        {columns.map((c) => (
                          <TableCell
                            key={c}
                            sx={bad.has(c) ? { color: 'error.main', fontWeight: 600 } : undefined}
                          >
                            {/password/.test(c) && r[c] ? '••••••' : r[c]}
                          </TableCell>
                        ))}
                        <TableCell>
                          {!report ? (
                            '—'
                          ) : errs.length ? (
                            errs.map((e, j) => (
                              <Typography key={j} variant="caption" color="error" component="div">
                                {e.field}: {e.reason}
                              </Typography>
                            ))
                          ) : (
                            <Chip size="small" color="success" label="ok" variant="outlined" />
                          )}
                        </TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
              {rows.length > PREVIEW_ROWS && (
                <Typography variant="caption" sx={{ p: 1, display: 'block' }}>
                  Showing the first {PREVIEW_ROWS} of {rows.length} rows;{' '}
                  {report
                    ? `${report.errors.filter((e) => e.row > PREVIEW_ROWS).length} problems further down.`
                    : ''}
                </Typography>
              )}
            </TableContainer>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
};
