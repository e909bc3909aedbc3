import {
  BooleanInput,
  Create,
  DeleteButton,
  Edit,
  required,
  SaveButton,
  SimpleForm,
  TextInput,
  Toolbar,
} from 'react-admin';

// Targets are edited one per line; the text is kept as typed and split on save.
const formatTargets = (v: unknown) => (Array.isArray(v) ? v.join('\n') : ((v as string) ?? ''));
const parseTargets = (v: string) => v.split('\n');
const transform = (data: Record<string, unknown>) => ({
  ...data,
  targets: (Array.isArray(data.targets) ? (data.targets as string[]) : [])
    .flatMap((t) => t.split(/[\s,;]+/))
    .filter((t) => t !== ''),
});

const Targets = () => (
  <TextInput
    source="targets"
    multiline
    minRows={2}
    fullWidth
    format={formatTargets}
    parse={parseTargets}
    validate={required()}
    helperText="one address per line (mailboxes, aliases or external addresses)"
  />
);

export const AliasCreate = () => (
  <Create transform={transform} redirect="list">
    <SimpleForm defaultValues={{ active: true }}>
      <TextInput
        source="address"
        validate={required()}
        helperText="sales@example.com, or @example.com for the catch-all"
      />
      <Targets />
      <BooleanInput source="active" />
    </SimpleForm>
  </Create>
);

const EditToolbar = () => (
  <Toolbar sx={{ justifyContent: 'space-between' }}>
    <SaveButton />
    <DeleteButton mutationMode="pessimistic" />
  </Toolbar>
);

export const AliasEdit = () => (
  <Edit transform={transform} mutationMode="pessimistic" redirect="list">
    <SimpleForm toolbar={<EditToolbar />}>
      <TextInput source="address" disabled />
      <Targets />
      <BooleanInput source="active" />
    </SimpleForm>
  </Edit>
);
