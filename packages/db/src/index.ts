export * from './entities';
export * from './data-source';
export { bigintToNumber } from './columns';
