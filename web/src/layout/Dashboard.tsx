import { Alert, Box, Card, CardContent, Grid, Typography } from '@mui/material';
import { Link, Title, useGetList, usePermissions } from 'react-admin';
import { AccountPage } from '../account';
import { FillCharts, type BackendRecord } from '../backends';
import { ErrorState, Loading } from '../components/States';
import { DomainUsageBars, type DomainRecord } from '../domains';
import { SupportSearch } from '../support';
import { isOps, isRole, Role, type Permissions } from '../roles';

const DomainCard = ({ domain }: { domain: DomainRecord }) => (
  <Card variant="outlined">
    <CardContent>
      <Typography variant="h6" gutterBottom>
        <Link to={`/domains/${domain.id}/show`}>{domain.name}</Link>
      </Typography>
      <DomainUsageBars domain={domain} />
    </CardContent>
  </Card>
);

const MyDomains = () => {
  const { data, isPending, error } = useGetList<DomainRecord>('domains', {
    pagination: { page: 1, perPage: 12 },
    sort: { field: 'name', order: 'ASC' },
  });
  if (isPending) return <Loading what="domains" />;
  if (error) return <ErrorState error={error} />;
  if (!data?.length) return <Alert severity="info">No domains are assigned to you yet.</Alert>;
  return (
    <Grid container spacing={2}>
      {data.map((d) => (
        <Grid key={d.id} size={{ xs: 12, md: 6, lg: 4 }}>
          <DomainCard domain={d} />
        </Grid>
      ))}
    </Grid>
  );
};

const Fleet = () => {
  const { data, isPending, error } = useGetList<BackendRecord>(
    'backends',
    { pagination: { page: 1, perPage: 100 }, sort: { field: 'name', order: 'ASC' } },
    { refetchInterval: 15_000 },
  );
  if (isPending) return <Loading what="backends" />;
  if (error) return <ErrorState error={error} />;
  return <FillCharts backends={data ?? []} />;
};

/** What each role starts from. */
export const Dashboard = () => {
  const { permissions, isPending } = usePermissions<Permissions>();
  if (isPending || !permissions) return <Loading />;
  // nothing else answers until the second factor is set up
  if (permissions.mustEnrolTotp) return <AccountPage />;
  return (
    <Box sx={{ mt: 2 }}>
      <Title title="Roost" />
      {isOps(permissions) && (
        <>
          <Typography variant="h6" gutterBottom>
            Fleet
          </Typography>
          <Fleet />
        </>
      )}
      {isRole(permissions, Role.Support) && <SupportSearch embedded />}
      {isRole(permissions, Role.DomainAdmin) && (
        <>
          <Typography variant="h6" gutterBottom>
            Your domains
          </Typography>
          <MyDomains />
        </>
      )}
    </Box>
  );
};
