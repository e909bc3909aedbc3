import StorageIcon from '@mui/icons-material/Storage';
import { BackendCreate, BackendEdit } from './BackendForm';
import { BackendList } from './BackendList';
import { BackendShow } from './BackendShow';

export { FillCharts } from './LazyFillCharts';
export type { BackendRecord } from './types';

export default {
  list: BackendList,
  show: BackendShow,
  create: BackendCreate,
  edit: BackendEdit,
  icon: StorageIcon,
  recordRepresentation: 'name',
};
