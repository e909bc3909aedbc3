import {
  BooleanField,
  BooleanInput,
  Create,
  Datagrid,
  Edit,
  List,
  ReferenceField,
  ReferenceInput,
  required,
  SearchInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
} from 'react-admin';
import { Empty } from '../components/States';

export const AliasDomainList = () => (
  <List
    filters={[<SearchInput key="q" source="q" alwaysOn />]}
    sort={{ field: 'name', order: 'ASC' }}
    exporter={false}
    empty={<Empty>No alias domains.</Empty>}
  >
    <Datagrid rowClick="edit" bulkActionButtons={false}>
      <TextField source="name" />
      <ReferenceField source="targetDomainId" reference="domains" label="Mirrors" sortable={false}>
        <TextField source="name" />
      </ReferenceField>
      <BooleanField source="active" sortable={false} />
    </Datagrid>
  </List>
);

const Target = () => (
  <ReferenceInput source="targetDomainId" reference="domains">
    <SelectInput optionText="name" validate={required()} label="Mirrors domain" />
  </ReferenceInput>
);

export const AliasDomainCreate = () => (
  <Create redirect="list">
    <SimpleForm defaultValues={{ active: true }}>
      <TextInput source="name" validate={required()} />
      <Target />
      <BooleanInput source="active" />
    </SimpleForm>
  </Create>
);

export const AliasDomainEdit = () => (
  <Edit mutationMode="pessimistic" redirect="list">
    <SimpleForm>
      <TextInput source="name" disabled />
      <Target />
      <BooleanInput source="active" />
    </SimpleForm>
  </Edit>
);
