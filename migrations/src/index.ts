export { MIGRATIONS } from './list';
export { migrateDown, migrateUp, pendingMigrations } from './migrator';
export { ensureRoutingRole, ROUTING_FUNCTIONS, ROUTING_VIEWS } from './routing-role';
