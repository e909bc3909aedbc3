export { MIGRATIONS } from './list';
export { migrateDown, migrateUp, pendingMigrations } from './migrator';
