export { SupportSearch } from './SupportSearch';
export { UserPage } from './UserPage';
export { ResetPasswordButton } from './ResetPasswordButton';
