import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider, Identifier, RaRecord } from 'react-admin';
import { API_URL, apiFetch, httpClient } from './api';

/**
 * The fields each resource's PUT accepts (the API refuses unknown fields). An edit form holds the
 * whole record; only the fields that changed and are writable are sent.
 */
const WRITABLE: Record<string, readonly string[]> = {
  domains: [
    'active',
    'maxMailboxes',
    'maxAliases',
    'maxQuotaBytes',
    'totalQuotaBytes',
    'defaultQuotaBytes',
    'placementPolicy',
  ],
  mailboxes: ['displayName', 'quotaBytes', 'pinned'],
  aliases: ['targets', 'active'],
  'alias-domains': ['targetDomainId', 'active'],
  backends: [
    'imapHost',
    'imapPort',
    'pop3Port',
    'lmtpHost',
    'lmtpPort',
    'sievePort',
    'adminUser',
    'adminSecretRef',
    'controlCommand',
    'tlsMode',
    'tlsVerify',
    'capacityBytes',
    'capacityMailboxes',
    'weight',
    'state',
  ],
  admins: ['role', 'password', 'domainIds', 'active', 'totpRequired', 'resetTotp'],
};

/** Fields a create may send besides the writable ones. */
const CREATE_ONLY: Record<string, readonly string[]> = {
  domains: ['name'],
  mailboxes: ['address', 'password', 'passwordHash'],
  aliases: ['address'],
  'alias-domains': ['name'],
  backends: ['name'],
  admins: ['username'],
};

function pick(data: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (data[k] !== undefined) out[k] = data[k];
  return out;
}

function changed(
  data: Record<string, unknown>,
  previous: Record<string, unknown> | undefined,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (data[k] === undefined) continue;
    if (previous && JSON.stringify(previous[k]) === JSON.stringify(data[k])) continue;
    out[k] = data[k];
  }
  return out;
}

// --- what the non-CRUD routes answer ---------------------------------------------------------

export interface PasswordResetResult {
  mode: 'temporary' | 'link';
  password?: string;
  mustChange?: true;
  url?: string;
  expiresAt?: string;
}

export interface ImportRowError {
  row: number;
  field: string;
  reason: string;
}

export interface ImportReport {
  dryRun: boolean;
  ok: boolean;
  rows: number;
  errors: ImportRowError[];
  created?: { row: number; id: number; address: string; generatedPassword?: string }[];
}

export type MailboxAction = 'suspend' | 'activate' | 'restore';
export type PlanAction = 'approve' | 'pause' | 'resume' | 'cancel';

/** Paths of the moves and plans routes (api/src/moves, api/src/rebalance; issue 5). */
export const MOVES = 'moves';
export const PLANS = 'rebalance/plans';

/** react-admin resource name -> API path, where they differ. */
const PATH_OF: Record<string, string> = { plans: PLANS };
const pathOf = (resource: string) => PATH_OF[resource] ?? resource;

export interface RoostDataProvider extends DataProvider {
  mailboxAction(id: Identifier, action: MailboxAction, reason?: string): Promise<RaRecord>;
  renameMailbox(id: Identifier, address: string): Promise<RaRecord>;
  resetPassword(
    id: Identifier,
    body: { mode: 'temporary' | 'link'; password?: string; reason?: string },
  ): Promise<PasswordResetResult>;
  importCsv(
    kind: 'mailboxes' | 'aliases',
    body: { csv: string; dryRun: boolean; reason?: string },
  ): Promise<ImportReport>;
  startMove(body: {
    mailboxId: Identifier;
    targetBackendId: Identifier;
    engine?: string;
  }): Promise<RaRecord>;
  moveAction(id: Identifier, action: 'cancel' | 'retry'): Promise<RaRecord>;
  createPlan(body: Record<string, unknown>): Promise<RaRecord>;
  planAction(id: Identifier, action: PlanAction): Promise<RaRecord>;
}

const rest = simpleRestProvider(API_URL, httpClient);
// every CRUD call goes to the resource's API path
const base = Object.fromEntries(
  Object.entries(rest).map(([name, fn]) => [
    name,
    (resource: string, params: unknown) =>
      (fn as (r: string, p: unknown) => Promise<unknown>)(pathOf(resource), params),
  ]),
) as unknown as typeof rest;

/** The CSV export of a scope: a plain download (same origin, the session cookie goes along). */
export function exportUrl(kind: 'mailboxes' | 'aliases', domainId?: Identifier): string {
  const filter = domainId
    ? `?filter=${encodeURIComponent(JSON.stringify({ domainId: Number(domainId) }))}`
    : '';
  return `${API_URL}/bulk/${kind}.csv${filter}`;
}

export const dataProvider: RoostDataProvider = {
  ...base,

  // simple-rest sends no range with getMany, and the API's default page is 25 rows
  getMany: async (resource, params) => {
    if (params.ids.length === 0) return { data: [] };
    const q = new URLSearchParams({
      filter: JSON.stringify({ id: params.ids }),
      range: JSON.stringify([0, params.ids.length - 1]),
    });
    const { json } = await httpClient(`${API_URL}/${pathOf(resource)}?${q.toString()}`, {
      signal: params.signal,
    });
    return { data: json as never[] };
  },

  create: (resource, params) => {
    const keys = [...(WRITABLE[resource] ?? []), ...(CREATE_ONLY[resource] ?? [])];
    const data = keys.length ? pick(params.data as Record<string, unknown>, keys) : params.data;
    return base.create(resource, { ...params, data });
  },

  update: async (resource, params) => {
    const data = params.data as Record<string, unknown>;
    const previous = params.previousData as Record<string, unknown> | undefined;
    // The address of a mailbox changes through its own route (it renames the Cyrus mailbox).
    if (
      resource === 'mailboxes' &&
      typeof data.address === 'string' &&
      previous &&
      data.address !== previous.address
    )
      await dataProvider.renameMailbox(params.id, data.address);
    const keys = WRITABLE[resource];
    const body = keys ? changed(data, previous, keys) : data;
    if (keys && Object.keys(body).length === 0) return base.getOne(resource, { id: params.id });
    return base.update(resource, { ...params, data: body });
  },

  // one PUT per id: bulk quota changes go through the same rules as single ones
  updateMany: async (resource, params) => {
    const keys = WRITABLE[resource];
    const body = keys ? pick(params.data as Record<string, unknown>, keys) : params.data;
    for (const id of params.ids)
      await base.update(resource, { id, data: body, previousData: { id } as never });
    return { data: params.ids };
  },

  deleteMany: async (resource, params) => {
    for (const id of params.ids) await base.delete(resource, { id, previousData: { id } as never });
    return { data: params.ids };
  },

  mailboxAction: (id, action, reason) =>
    apiFetch(`/mailboxes/${encodeURIComponent(id)}/${action}`, {
      body: reason ? { reason } : {},
    }),

  renameMailbox: (id, address) =>
    apiFetch(`/mailboxes/${encodeURIComponent(id)}/rename`, { body: { address } }),

  resetPassword: (id, body) =>
    apiFetch(`/mailboxes/${encodeURIComponent(id)}/password-reset`, { body }),

  importCsv: (kind, body) => apiFetch(`/bulk/${kind}/import`, { body }),

  startMove: (body) => apiFetch(`/${MOVES}`, { body }),

  moveAction: (id, action) =>
    apiFetch(`/${MOVES}/${encodeURIComponent(id)}/${action}`, { body: {} }),

  createPlan: (body) => apiFetch(`/${PLANS}`, { body }),

  planAction: (id, action) =>
    apiFetch(`/${PLANS}/${encodeURIComponent(id)}/${action}`, { body: {} }),
};
