import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@roost/db';
import { ROOST_ENV, RoostEnv } from '../config/env';

/** The one TypeORM connection (entities from @roost/db; the schema is changed only by migrations). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ROOST_ENV],
      useFactory: (env: RoostEnv) => ({
        ...dataSourceOptions(env.DATABASE_URL, env.ROOST_DB_POOL_SIZE),
        retryAttempts: 2,
      }),
    }),
  ],
})
export class DatabaseModule {}
