import DomainIcon from '@mui/icons-material/Domain';
import { DomainCreate, DomainEdit } from './DomainForm';
import { DomainList } from './DomainList';
import { DomainShow } from './DomainShow';

export { DomainUsageBars, type DomainRecord } from './DomainUsage';

export default {
  list: DomainList,
  show: DomainShow,
  create: DomainCreate,
  edit: DomainEdit,
  icon: DomainIcon,
  recordRepresentation: 'name',
};
