export { MIGRATIONS } from './list';
export { migrateDown, migrateUp, pendingMigrations } from './migrator';
export {
  ensureRoutingRole,
  grantRoutingRole,
  ROUTING_FUNCTIONS,
  ROUTING_VIEWS,
} from './routing-role';
