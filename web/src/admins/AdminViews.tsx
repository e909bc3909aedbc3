import { useState } from 'react';
import {
  BooleanField,
  BooleanInput,
  Create,
  Datagrid,
  DateField,
  Edit,
  FormDataConsumer,
  List,
  NullableBooleanInput,
  PasswordInput,
  ReferenceArrayField,
  ReferenceArrayInput,
  SearchInput,
  AutocompleteArrayInput,
  SelectInput,
  SimpleForm,
  SingleFieldList,
  ChipField,
  TextField,
  TextInput,
  required,
  useRedirect,
} from 'react-admin';
import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@mui/material';
import { Button } from 'react-admin';
import { CopyField } from '../components/CopyField';
import { Empty } from '../components/States';
import { ROLE_CHOICES, Role } from '../roles';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Username starts with" />,
  <SelectInput key="role" source="role" choices={ROLE_CHOICES} alwaysOn />,
  <NullableBooleanInput key="active" source="active" />,
];

export const AdminList = () => (
  <List
    filters={filters}
    sort={{ field: 'username', order: 'ASC' }}
    exporter={false}
    empty={<Empty>No admins.</Empty>}
  >
    <Datagrid rowClick="edit" bulkActionButtons={false}>
      <TextField source="username" />
      <SelectFieldRole />
      <ReferenceArrayField source="domainIds" reference="domains" label="Domains" sortable={false}>
        <SingleFieldList linkType={false}>
          <ChipField source="name" size="small" />
        </SingleFieldList>
      </ReferenceArrayField>
      <BooleanField source="active" sortable={false} />
      <BooleanField source="totpEnrolled" label="TOTP" sortable={false} />
      <DateField source="lastLoginAt" showTime sortable={false} emptyText="never" />
    </Datagrid>
  </List>
);

function SelectFieldRole(_: { label?: string }) {
  return <TextField source="role" />;
}

/** Domain scope matters for domain admins and support only. */
const Scope = () => (
  <FormDataConsumer<{ role?: Role }>>
    {({ formData }) =>
      formData.role === Role.DomainAdmin || formData.role === Role.Support ? (
        <ReferenceArrayInput source="domainIds" reference="domains">
          <AutocompleteArrayInput optionText="name" label="Domains in scope" />
        </ReferenceArrayInput>
      ) : null
    }
  </FormDataConsumer>
);

export const AdminCreate = () => {
  const redirect = useRedirect();
  const [created, setCreated] = useState<{ username: string; generatedPassword: string } | null>(
    null,
  );
  return (
    <>
      <Create
        mutationOptions={{
          onSuccess: (data: { id: number; username: string; generatedPassword?: string }) => {
            if (data.generatedPassword)
              setCreated({ username: data.username, generatedPassword: data.generatedPassword });
            else redirect('list', 'admins');
          },
        }}
      >
        <SimpleForm
          defaultValues={{
            role: Role.DomainAdmin,
            active: true,
            totpRequired: false,
            domainIds: [],
          }}
        >
          <TextInput source="username" validate={required()} autoComplete="off" />
          <SelectInput source="role" choices={ROLE_CHOICES} validate={required()} />
          <Scope />
          <PasswordInput
            source="password"
            autoComplete="new-password"
            helperText="empty: one is generated and shown once"
          />
          <BooleanInput source="active" />
          <BooleanInput source="totpRequired" label="Must sign in with a TOTP code" />
        </SimpleForm>
      </Create>
      {created && (
        <Dialog open maxWidth="sm" fullWidth onClose={() => redirect('list', 'admins')}>
          <DialogTitle>Admin {created.username} created</DialogTitle>
          <DialogContent>
            <DialogContentText>This password is shown only once.</DialogContentText>
            <CopyField label="Generated password" value={created.generatedPassword} />
          </DialogContent>
          <DialogActions>
            <Button label="Done" variant="contained" onClick={() => redirect('list', 'admins')} />
          </DialogActions>
        </Dialog>
      )}
    </>
  );
};

export const AdminEdit = () => (
  <Edit mutationMode="pessimistic" redirect="list">
    <SimpleForm>
      <TextInput source="username" disabled />
      <SelectInput source="role" choices={ROLE_CHOICES} validate={required()} />
      <Scope />
      <PasswordInput
        source="password"
        label="New password"
        autoComplete="new-password"
        helperText="ends the admin's sessions"
      />
      <BooleanInput source="active" />
      <BooleanInput source="totpRequired" label="Must sign in with a TOTP code" />
      <BooleanInput source="resetTotp" label="Remove the enrolled authenticator (lost phone)" />
    </SimpleForm>
  </Edit>
);
