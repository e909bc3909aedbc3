import {
  BooleanInput,
  Create,
  Edit,
  NumberInput,
  required,
  SelectInput,
  SimpleForm,
  TextInput,
} from 'react-admin';
import { GIB } from '../format';
import { BACKEND_STATE_CHOICES, TLS_CHOICES } from './types';

const toGiB = (v: unknown) => (typeof v === 'number' ? Math.round((v / GIB) * 100) / 100 : v);
const fromGiB = (v: unknown) =>
  v === null || v === undefined || v === '' ? null : Math.round(Number(v) * GIB);

const formatArgv = (v: unknown) => (Array.isArray(v) ? v.join(' ') : ((v as string) ?? ''));
const parseArgv = (v: string) => (v.trim() === '' ? null : v.trim().split(/\s+/));

const Fields = ({ create }: { create?: boolean }) => (
  <>
    {create ? (
      <TextInput source="name" validate={required()} />
    ) : (
      <TextInput source="name" disabled />
    )}
    <SelectInput source="state" choices={BACKEND_STATE_CHOICES} />
    <TextInput source="imapHost" validate={required()} />
    <NumberInput source="imapPort" validate={required()} />
    <TextInput source="lmtpHost" validate={required()} />
    <NumberInput source="lmtpPort" validate={required()} />
    <NumberInput source="sievePort" />
    <NumberInput source="pop3Port" />
    <TextInput source="adminUser" />
    <TextInput
      source="adminSecretRef"
      validate={required()}
      helperText="where the admin password lives: env:NAME or file:/path"
    />
    <SelectInput source="tlsMode" choices={TLS_CHOICES} />
    <BooleanInput source="tlsVerify" />
    <NumberInput
      source="capacityBytes"
      label="Capacity (GiB)"
      format={toGiB}
      parse={fromGiB}
      validate={required()}
    />
    <NumberInput source="capacityMailboxes" validate={required()} />
    <NumberInput source="weight" helperText="0 takes no new mailboxes" />
    <TextInput
      source="controlCommand"
      format={formatArgv}
      parse={parseArgv}
      fullWidth
      helperText="argv run on the backend host; {action} and {user} substituted"
    />
  </>
);

export const BackendCreate = () => (
  <Create redirect="show">
    <SimpleForm
      defaultValues={{
        state: 'active',
        tlsMode: 'starttls',
        tlsVerify: true,
        weight: 100,
        imapPort: 143,
        lmtpPort: 24,
      }}
    >
      <Fields create />
    </SimpleForm>
  </Create>
);

export const BackendEdit = () => (
  <Edit mutationMode="pessimistic" redirect="show">
    <SimpleForm>
      <Fields />
    </SimpleForm>
  </Edit>
);
