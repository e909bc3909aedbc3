import { Datagrid, DateField, FunctionField, List, SelectInput, TextField } from 'react-admin';
import { StateChip } from '../components/StateChip';
import { Empty } from '../components/States';
import { formatBytes, formatCount } from '../format';
import { PLAN_STATE_CHOICES, type PlanRecord } from './types';

export const PlanList = () => (
  <List
    filters={[<SelectInput key="state" source="state" choices={PLAN_STATE_CHOICES} alwaysOn />]}
    sort={{ field: 'id', order: 'DESC' }}
    exporter={false}
    queryOptions={{ refetchInterval: 5000 }}
    empty={<Empty>No rebalance plans yet. Create one to see a dry run.</Empty>}
  >
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="id" />
      <StateChip source="state" label="State" />
      <FunctionField<PlanRecord>
        label="Tolerance"
        render={(p) => `± ${(p.policy.tolerance * 100).toFixed(1)} %`}
      />
      <FunctionField<PlanRecord> label="Moves" render={(p) => formatCount(p.plannedMoves)} />
      <FunctionField<PlanRecord> label="Bytes" render={(p) => formatBytes(p.plannedBytes)} />
      <DateField source="createdAt" showTime />
    </Datagrid>
  </List>
);
