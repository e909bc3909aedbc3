import { Admin, Authenticated, CustomRoutes, Resource } from 'react-admin';
import { Route } from 'react-router-dom';
import { AccountPage } from './account';
import admins from './admins';
import aliasDomains from './alias-domains';
import aliases from './aliases';
import audit from './audit';
import { authProvider } from './authProvider';
import backends from './backends';
import { dataProvider } from './dataProvider';
import domains from './domains';
import { Dashboard, Layout, LoginPage } from './layout';
import mailboxes, { CsvImport } from './mailboxes';
import moves from './moves';
import plans from './plans';
import { canEditMail, canResetPasswords, isOps, isRole, Role, type Permissions } from './roles';
import { ChangePasswordPage, ResetLinkPage } from './self-service';
import { SupportSearch } from './support';

/** Resources and pages by role (DESIGN §6); the API enforces the same rules on every route. */
function resourcesFor(p: Permissions | undefined) {
  if (!p || p.mustEnrolTotp) return [];
  const superadmin = isRole(p, Role.Superadmin);
  const editor = canEditMail(p);
  const support = isRole(p, Role.Support);
  const ops = isOps(p);
  return [
    <Resource
      key="domains"
      name="domains"
      // support only needs domain names on the user page
      list={support ? undefined : domains.list}
      show={support ? undefined : domains.show}
      create={superadmin ? domains.create : undefined}
      edit={superadmin ? domains.edit : undefined}
      icon={domains.icon}
      recordRepresentation={domains.recordRepresentation}
    />,
    superadmin ? (
      <Resource
        key="alias-domains"
        name="alias-domains"
        {...aliasDomains}
        options={{ label: 'Alias domains' }}
      />
    ) : null,
    <Resource
      key="mailboxes"
      name="mailboxes"
      list={support ? undefined : mailboxes.list}
      show={mailboxes.show}
      create={editor ? mailboxes.create : undefined}
      edit={editor ? mailboxes.edit : undefined}
      icon={mailboxes.icon}
      recordRepresentation={mailboxes.recordRepresentation}
    />,
    editor ? <Resource key="aliases" name="aliases" {...aliases} /> : null,
    ops ? <Resource key="backends" name="backends" {...backends} /> : null,
    ops ? <Resource key="moves" name="moves" {...moves} /> : null,
    ops ? <Resource key="plans" name="plans" {...plans} /> : null,
    superadmin ? <Resource key="admins" name="admins" {...admins} /> : null,
    <Resource key="audit" name="audit" {...audit} />,
    <CustomRoutes key="pages">
      <Route
        path="/account"
        element={
          <Authenticated>
            <AccountPage />
          </Authenticated>
        }
      />
      {canResetPasswords(p) && (
        <Route
          path="/support"
          element={
            <Authenticated>
              <SupportSearch />
            </Authenticated>
          }
        />
      )}
      {editor && (
        <Route
          path="/import"
          element={
            <Authenticated>
              <CsvImport />
            </Authenticated>
          }
        />
      )}
    </CustomRoutes>,
  ];
}

export const App = () => (
  <Admin
    title="Roost"
    dataProvider={dataProvider}
    authProvider={authProvider}
    loginPage={LoginPage}
    layout={Layout}
    dashboard={Dashboard}
    disableTelemetry
  >
    {/* mail users: no sign-in, no admin layout */}
    <CustomRoutes noLayout>
      <Route path="/password" element={<ChangePasswordPage />} />
      <Route path="/reset-password" element={<ResetLinkPage />} />
    </CustomRoutes>
    {(permissions: Permissions | undefined) => [
      ...resourcesFor(permissions),
      // an account that must enrol TOTP first gets only its account page
      permissions?.mustEnrolTotp ? (
        <CustomRoutes key="enrol">
          <Route
            path="/account"
            element={
              <Authenticated>
                <AccountPage />
              </Authenticated>
            }
          />
        </CustomRoutes>
      ) : null,
    ]}
  </Admin>
);
