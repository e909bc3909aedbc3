export { Dashboard } from './Dashboard';
export { Layout } from './Layout';
export { LoginPage } from './LoginPage';
export { Menu } from './Menu';
