import { Backend } from '@roost/db';
import { DataSource } from 'typeorm';
import { HealthState } from './health';

export interface HealthCheckResult extends HealthState {
  latencyMs: number | null;
  error: string | null;
}

export class BackendHealthRepository {
  constructor(private readonly db: DataSource) {}

  allBackends(): Promise<Backend[]> {
    return this.db.getRepository(Backend).find({ order: { id: 'ASC' } });
  }

  async record(backendId: number, result: HealthCheckResult): Promise<void> {
    await this.db.query(
      `UPDATE backends
          SET health = $2, health_failures = $3, health_latency_ms = $4, health_error = $5,
              health_checked_at = now()
        WHERE id = $1`,
      [backendId, result.health, result.failures, result.latencyMs, result.error],
    );
  }
}
