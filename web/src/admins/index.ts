import AdminPanelSettingsIcon from '@mui/icons-material/AdminPanelSettings';
import { AdminCreate, AdminEdit, AdminList } from './AdminViews';

export default {
  list: AdminList,
  create: AdminCreate,
  edit: AdminEdit,
  icon: AdminPanelSettingsIcon,
  recordRepresentation: 'username',
};
