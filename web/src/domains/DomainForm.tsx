import {
  BooleanInput,
  Create,
  Edit,
  NumberInput,
  required,
  SimpleForm,
  TextInput,
} from 'react-admin';
import { bytesToMiB, miBToBytes } from '../format';

const MiB = (props: { source: string; label: string; helperText?: string }) => (
  <NumberInput {...props} format={bytesToMiB} parse={miBToBytes} min={0} />
);

/** placementPolicy travels as JSON; a malformed text is sent as is and the API names the field. */
const formatPolicy = (v: unknown) =>
  typeof v === 'string' ? v : JSON.stringify(v ?? { kind: 'any' });
const parsePolicy = (v: string) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

const Fields = ({ create }: { create?: boolean }) => (
  <>
    {create && <TextInput source="name" validate={required()} helperText="e.g. example.com" />}
    <BooleanInput source="active" />
    <NumberInput source="maxMailboxes" min={0} helperText="empty: no limit" />
    <NumberInput source="maxAliases" min={0} helperText="empty: no limit" />
    <MiB source="maxQuotaBytes" label="Max quota per mailbox (MiB)" helperText="empty: no limit" />
    <MiB source="totalQuotaBytes" label="Total domain quota (MiB)" helperText="empty: no limit" />
    <MiB source="defaultQuotaBytes" label="Default quota (MiB)" />
    <TextInput
      source="placementPolicy"
      format={formatPolicy}
      parse={parsePolicy}
      fullWidth
      helperText='{"kind":"any"} | {"kind":"pinned","backendIds":[1]} | {"kind":"rules","rules":[{"from":"a","to":"k","backendId":1}]}'
    />
  </>
);

export const DomainCreate = () => (
  <Create redirect="show">
    <SimpleForm defaultValues={{ active: true, placementPolicy: { kind: 'any' } }}>
      <Fields create />
    </SimpleForm>
  </Create>
);

export const DomainEdit = () => (
  <Edit mutationMode="pessimistic" redirect="show">
    <SimpleForm>
      <Fields />
    </SimpleForm>
  </Edit>
);
