import AlternateEmailIcon from '@mui/icons-material/AlternateEmail';
import { AliasCreate, AliasEdit } from './AliasForm';
import { AliasList } from './AliasList';

export default {
  list: AliasList,
  create: AliasCreate,
  edit: AliasEdit,
  icon: AlternateEmailIcon,
  recordRepresentation: 'address',
};
