import { Admin } from './admin.entity';
import { AdminCredential } from './admin-credential.entity';
import { AdminDomain } from './admin-domain.entity';
import { Alias } from './alias.entity';
import { AliasDomain } from './alias-domain.entity';
import { AuditEvent } from './audit-event.entity';
import { Backend } from './backend.entity';
import { Domain } from './domain.entity';
import { Mailbox } from './mailbox.entity';
import { Move } from './move.entity';
import { MoveFolder } from './move-folder.entity';
import { PasswordReset } from './password-reset.entity';
import { RebalancePlan } from './rebalance-plan.entity';
import { Relay } from './relay.entity';
import { RelayCall } from './relay-call.entity';

export {
  Admin,
  AdminCredential,
  AdminDomain,
  Alias,
  AliasDomain,
  AuditEvent,
  Backend,
  Domain,
  Mailbox,
  Move,
  MoveFolder,
  PasswordReset,
  RebalancePlan,
  Relay,
  RelayCall,
};

/** Every entity, listed explicitly (no globs). */
export const ENTITIES = [
  Admin,
  AdminCredential,
  AdminDomain,
  Alias,
  AliasDomain,
  AuditEvent,
  Backend,
  Domain,
  Mailbox,
  Move,
  MoveFolder,
  PasswordReset,
  RebalancePlan,
  Relay,
  RelayCall,
];
