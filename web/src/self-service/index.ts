export { ChangePasswordPage } from './ChangePasswordPage';
export { ResetLinkPage } from './ResetLinkPage';
