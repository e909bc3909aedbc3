import SwapHorizIcon from '@mui/icons-material/SwapHoriz';
import { MoveList } from './MoveList';
import { MoveShow } from './MoveShow';

export { StartMoveButton } from './StartMoveButton';
export { MoveProgressBar } from './MoveProgress';
export { MoveBackends, MoveMailbox } from './MoveList';
export type { MoveRecord } from './types';

export default {
  list: MoveList,
  show: MoveShow,
  icon: SwapHorizIcon,
};
