import MailIcon from '@mui/icons-material/Mail';
import { UserPage } from '../support';
import { MailboxCreate, MailboxEdit } from './MailboxForm';
import { MailboxList } from './MailboxList';

export { CsvImport } from './CsvImport';
export { ExportCsvButton } from './MailboxList';
export { QuotaField } from './QuotaField';
export { GeneratedPasswordDialog } from './MailboxForm';
export type { MailboxRecord } from './types';

/** The show view is the user page (support): state, backend, quota, audit, reset, move. */
export default {
  list: MailboxList,
  show: UserPage,
  create: MailboxCreate,
  edit: MailboxEdit,
  icon: MailIcon,
  recordRepresentation: 'address',
};
