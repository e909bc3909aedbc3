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
        ...dataSourceOptions(env.DATABASE_URL, 20),
        retryAttempts: 2,
      }),
    }),
  ],
})
export class DatabaseModule {}
