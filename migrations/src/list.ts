import { CreateCoreSchema1763800000000 } from './1763800000000-CreateCoreSchema';
import { CreateRoutingViews1763800000001 } from './1763800000001-CreateRoutingViews';
import { AddBackendControlCommand1763800000002 } from './1763800000002-AddBackendControlCommand';
import { RouteDisabledMailboxesExplicitly1763800000003 } from './1763800000003-RouteDisabledMailboxesExplicitly';
import { AddPostfixLookupFunctions1763800000004 } from './1763800000004-AddPostfixLookupFunctions';
import { ResolveAliasesStepByStep1763800000005 } from './1763800000005-ResolveAliasesStepByStep';
import { IndexMailboxNameWords1763800000006 } from './1763800000006-IndexMailboxNameWords';
import { RecordAppliedMailboxState1763800000007 } from './1763800000007-RecordAppliedMailboxState';

/** Every migration, in order (explicit list, no globs). */
export const MIGRATIONS = [
  CreateCoreSchema1763800000000,
  CreateRoutingViews1763800000001,
  AddBackendControlCommand1763800000002,
  RouteDisabledMailboxesExplicitly1763800000003,
  AddPostfixLookupFunctions1763800000004,
  ResolveAliasesStepByStep1763800000005,
  IndexMailboxNameWords1763800000006,
  RecordAppliedMailboxState1763800000007,
];
