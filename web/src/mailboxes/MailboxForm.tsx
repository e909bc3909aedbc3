import {
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
} from '@mui/material';
import { useState } from 'react';
import {
  BooleanInput,
  Button,
  Create,
  DeleteButton,
  Edit,
  NumberInput,
  PasswordInput,
  ReferenceInput,
  required,
  SaveButton,
  SelectInput,
  SimpleForm,
  TextInput,
  Toolbar,
  usePermissions,
  useRedirect,
} from 'react-admin';
import { CopyField } from '../components/CopyField';
import { bytesToMiB, miBToBytes } from '../format';
import { isRole, Role, type Permissions } from '../roles';
import type { MailboxRecord } from './types';

/** Shown once after a create where Roost chose the password. */
export const GeneratedPasswordDialog = ({
  address,
  password,
  onClose,
}: {
  address: string;
  password: string;
  onClose: () => void;
}) => (
  <Dialog open onClose={onClose} maxWidth="sm" fullWidth>
    <DialogTitle>Mailbox {address} created</DialogTitle>
    <DialogContent>
      <DialogContentText>
        This password is shown only once. Give it to the user; it is not stored in clear anywhere.
      </DialogContentText>
      <CopyField label="Generated password" value={password} />
    </DialogContent>
    <DialogActions>
      <Button label="Done" variant="contained" onClick={onClose} />
    </DialogActions>
  </Dialog>
);

export const MailboxCreate = () => {
  const { permissions } = usePermissions<Permissions>();
  const redirect = useRedirect();
  const [created, setCreated] = useState<MailboxRecord | null>(null);
  return (
    <>
      <Create
        mutationOptions={{
          onSuccess: (data: MailboxRecord) => {
            if (data.generatedPassword) setCreated(data);
            else redirect('show', 'mailboxes', data.id);
          },
        }}
      >
        <SimpleForm>
          <TextInput
            source="address"
            validate={required()}
            helperText="local part @ one of your domains"
            autoComplete="off"
          />
          <TextInput source="displayName" />
          <NumberInput
            source="quotaBytes"
            label="Quota (MiB)"
            format={bytesToMiB}
            parse={miBToBytes}
            min={0}
            helperText="empty: the domain's default quota"
          />
          <PasswordInput
            source="password"
            autoComplete="new-password"
            helperText="empty: Roost generates one and shows it once"
          />
          {isRole(permissions, Role.Superadmin) && (
            <BooleanInput source="pinned" helperText="rebalancing never moves a pinned mailbox" />
          )}
        </SimpleForm>
      </Create>
      {created && (
        <GeneratedPasswordDialog
          address={created.address}
          password={created.generatedPassword!}
          onClose={() => redirect('show', 'mailboxes', created.id)}
        />
      )}
    </>
  );
};

const EditToolbar = () => (
  <Toolbar sx={{ justifyContent: 'space-between' }}>
    <SaveButton />
    <DeleteButton
      mutationMode="pessimistic"
      confirmTitle="Delete this mailbox?"
      confirmContent="It is kept for the retention period (restorable), then deleted from Cyrus."
    />
  </Toolbar>
);

export const MailboxEdit = () => {
  const { permissions } = usePermissions<Permissions>();
  return (
    <Edit mutationMode="pessimistic" redirect="show">
      <SimpleForm toolbar={<EditToolbar />}>
        <TextInput
          source="address"
          validate={required()}
          helperText="changing it renames the mailbox (same domain)"
        />
        <TextInput source="displayName" />
        <NumberInput
          source="quotaBytes"
          label="Quota (MiB)"
          format={bytesToMiB}
          parse={miBToBytes}
          min={0}
        />
        {isRole(permissions, Role.Superadmin) && <BooleanInput source="pinned" />}
        {isRole(permissions, Role.Superadmin, Role.Ops) && (
          <ReferenceInput source="backendId" reference="backends">
            <SelectInput optionText="name" disabled helperText="changed only by moves" />
          </ReferenceInput>
        )}
      </SimpleForm>
    </Edit>
  );
};
