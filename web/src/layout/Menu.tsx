import AccountCircleIcon from '@mui/icons-material/AccountCircle';
import SearchIcon from '@mui/icons-material/Search';
import UploadIcon from '@mui/icons-material/Upload';
import { Menu as RaMenu, usePermissions } from 'react-admin';
import { canEditMail, canResetPasswords, type Permissions } from '../roles';

/** The resources App registered for the role, plus the role's pages. */
export const Menu = () => {
  const { permissions } = usePermissions<Permissions>();
  if (!permissions || permissions.mustEnrolTotp)
    return (
      <RaMenu>
        <RaMenu.Item to="/account" primaryText="My account" leftIcon={<AccountCircleIcon />} />
      </RaMenu>
    );
  return (
    <RaMenu>
      <RaMenu.DashboardItem />
      {canResetPasswords(permissions) && (
        <RaMenu.Item to="/support" primaryText="Find a user" leftIcon={<SearchIcon />} />
      )}
      <RaMenu.ResourceItems />
      {canEditMail(permissions) && (
        <RaMenu.Item to="/import" primaryText="Import CSV" leftIcon={<UploadIcon />} />
      )}
      <RaMenu.Item to="/account" primaryText="My account" leftIcon={<AccountCircleIcon />} />
    </RaMenu>
  );
};
