import BalanceIcon from '@mui/icons-material/Balance';
import { PlanCreate } from './PlanCreate';
import { PlanList } from './PlanList';
import { PlanShow } from './PlanShow';

export { DryRunChart } from './LazyDryRunChart';

export default {
  list: PlanList,
  show: PlanShow,
  create: PlanCreate,
  icon: BalanceIcon,
  options: { label: 'Rebalance' },
};
