import LinkIcon from '@mui/icons-material/Link';
import { AliasDomainCreate, AliasDomainEdit, AliasDomainList } from './AliasDomainViews';

export default {
  list: AliasDomainList,
  create: AliasDomainCreate,
  edit: AliasDomainEdit,
  icon: LinkIcon,
  recordRepresentation: 'name',
};
