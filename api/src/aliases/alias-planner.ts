import { domainError, isParsedAddress, normalizeDomain, parseAddress } from '@roost/core';
import { EntityManager } from 'typeorm';
import { Actor, inScope } from '../auth/actor';
import { FieldError, RowErrors } from '../common/api-error';
import { DomainRepository, DomainRow } from '../domains/domain.repository';
import { AliasFacts, aliasLoop } from './alias-graph';
import { AliasRepository } from './alias.repository';

export interface AliasInput {
  address: string;
  targets: string[];
  active?: boolean;
}

export interface PlannedAlias {
  domainId: number;
  localPart: string;
  address: string;
  targets: string[];
  active: boolean;
}

/** Parses `local@domain` or the catch-all `@domain`. */
export function parseAliasAddress(
  input: string,
): { localPart: string; domain: string; address: string } | { error: string } {
  const trimmed = input.trim().toLowerCase();
  if (trimmed.startsWith('@')) {
    const domain = normalizeDomain(trimmed.slice(1));
    const reason = domainError(domain);
    return reason ? { error: reason } : { localPart: '', domain, address: `@${domain}` };
  }
  return parseAddress(trimmed);
}

/** Normalises targets; returns them or the errors naming `targets.<i>`. */
export function parseTargets(
  targets: string[],
): { ok: true; targets: string[] } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const out: string[] = [];
  targets.forEach((t, i) => {
    const p = parseAddress(t);
    if (isParsedAddress(p)) {
      if (!out.includes(p.address)) out.push(p.address);
    } else errors.push({ field: `targets.${i}`, reason: p.error });
  });
  return errors.length ? { ok: false, errors } : { ok: true, targets: out };
}

/**
 * Checks new or changed aliases against the database and everything planned in the same batch:
 * syntax, scope, duplicates, the domain's alias limit, loops and self-references.
 */
export class AliasPlanner {
  private readonly planned = new Map<string, string[]>();
  private readonly domains = new Map<string, DomainRow | null>();
  private readonly counts = new Map<number, number>();

  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly repos: { aliases: AliasRepository; domains: DomainRepository },
  ) {}

  private async domain(name: string): Promise<DomainRow | null> {
    if (!this.domains.has(name)) {
      const d = await this.repos.domains.findByName(name, this.em, true);
      this.domains.set(name, d && inScope(this.actor, d.id) ? d : null);
    }
    return this.domains.get(name)!;
  }

  private load = async (addresses: string[]): Promise<AliasFacts> => {
    const facts = await this.repos.aliases.facts(this.em, addresses);
    for (const [k, v] of this.planned) facts.aliases.set(k, v);
    return facts;
  };

  /** Checks targets of an alias (new or existing) for syntax and loops. */
  async checkTargets(address: string, targets: string[]): Promise<string[] | RowErrors> {
    const parsed = parseTargets(targets);
    if (!parsed.ok) return { status: 400, errors: parsed.errors };
    const list = parsed.targets;
    const loop = await aliasLoop(address, list, this.load);
    if (loop) return { status: 422, errors: [{ field: 'targets', reason: loop }] };
    return list;
  }

  async plan(input: AliasInput): Promise<PlannedAlias | RowErrors> {
    const parsed = parseAliasAddress(typeof input.address === 'string' ? input.address : '');
    if ('error' in parsed)
      return { status: 400, errors: [{ field: 'address', reason: parsed.error }] };
    const domain = await this.domain(parsed.domain);
    if (!domain)
      return {
        status: 422,
        errors: [{ field: 'address', reason: `${parsed.domain} is not a domain you manage` }],
      };
    if (this.planned.has(parsed.address))
      return { status: 409, errors: [{ field: 'address', reason: 'appears more than once' }] };
    if ((await this.repos.aliases.existingAddresses([parsed.address], this.em)).size > 0)
      return { status: 409, errors: [{ field: 'address', reason: 'already exists' }] };
    if (!this.counts.has(domain.id))
      this.counts.set(domain.id, await this.repos.aliases.countInDomain(domain.id, this.em));
    const count = this.counts.get(domain.id)!;
    if (domain.maxAliases !== null && count + 1 > domain.maxAliases)
      return {
        status: 422,
        errors: [
          {
            field: 'address',
            reason: `${domain.name} has reached its limit of ${domain.maxAliases} aliases`,
          },
        ],
      };
    const targets = await this.checkTargets(parsed.address, input.targets);
    if (!Array.isArray(targets)) return targets;
    this.planned.set(parsed.address, targets);
    this.counts.set(domain.id, count + 1);
    return {
      domainId: domain.id,
      localPart: parsed.localPart,
      address: parsed.address,
      targets,
      active: input.active ?? true,
    };
  }
}
