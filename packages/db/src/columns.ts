import { types } from 'pg';
import { ValueTransformer } from 'typeorm';

// PostgreSQL bigint (OID 20) arrives as a string by default. Ids and byte counts stay far
// below 2^53, so Roost reads them as numbers everywhere, including primary keys.
types.setTypeParser(20, (value: string) => Number(value));

/** Keeps bigint columns typed as numbers on write too (TypeORM would otherwise accept strings). */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
