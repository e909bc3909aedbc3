import { DynamicModule, Global, Module } from '@nestjs/common';
import { ROOST_ENV, RoostEnv } from './env';

@Global()
@Module({})
export class ConfigModule {
  static forEnv(env: RoostEnv): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: ROOST_ENV, useValue: env }],
      exports: [ROOST_ENV],
    };
  }
}
