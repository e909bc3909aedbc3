import { HttpStatus } from '@nestjs/common';
import {
  chooseBackend,
  isParsedAddress,
  parseAddress,
  PlacementCandidate,
  quotaViolation,
} from '@roost/core';
import { EntityManager } from 'typeorm';
import { Actor, inScope } from '../auth/actor';
import { FieldError, RowErrors } from '../common/api-error';
import { DomainRepository, DomainRow, DomainUsageRow } from '../domains/domain.repository';
import { BackendRepository } from '../backends/backend.repository';
import { PasswordService } from '../passwords/password.service';
import { MailboxRepository, NewMailbox } from './mailbox.repository';

export interface MailboxInput {
  address: string;
  displayName?: string;
  quotaBytes?: number;
  password?: string;
  passwordHash?: string;
  pinned?: boolean;
}

export interface PlannedMailbox {
  input: MailboxInput;
  row: Omit<NewMailbox, 'passwordHash'>;
  domain: DomainRow;
  /** Set when neither a password nor a hash was given: shown to the caller once. */
  generatedPassword?: string;
}

/**
 * Checks new mailboxes one by one against everything already planned in the same batch:
 * address syntax, domain in scope, duplicates, domain limits, password rules, placement.
 * Single creation and CSV import share it, so the rules cannot drift apart.
 * Call inside a transaction after `lockDomains` so limits hold under concurrency.
 */
export class MailboxPlanner {
  private readonly domainsByName = new Map<string, DomainRow | null>();
  private readonly usage = new Map<number, DomainUsageRow>();
  private readonly planned = new Set<string>();
  private candidates: PlacementCandidate[] | undefined;
  private existing = new Set<string>();
  private aliasDomainNames = new Set<string>();

  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly repos: {
      domains: DomainRepository;
      backends: BackendRepository;
      mailboxes: MailboxRepository;
      passwords: PasswordService;
    },
  ) {}

  /** Loads and locks what the inputs touch; call once before `plan`. */
  async prepare(inputs: MailboxInput[]): Promise<void> {
    const parsed = inputs
      .map((i) => parseAddress(typeof i.address === 'string' ? i.address : ''))
      .filter(isParsedAddress);
    const names = [...new Set(parsed.map((p) => p.domain))];
    const domains = await this.repos.domains.findByNames(names, this.em);
    const visible = domains.filter((d) => inScope(this.actor, d.id));
    await this.repos.domains.lock(
      this.em,
      visible.map((d) => d.id),
    );
    for (const name of names)
      this.domainsByName.set(name, visible.find((d) => d.name === name) ?? null);
    for (const d of visible) this.usage.set(d.id, await this.repos.domains.usage(d.id, this.em));
    this.existing = await this.repos.mailboxes.existingAddresses(
      parsed.map((p) => p.address),
      this.em,
    );
    for (const name of names)
      if (await this.repos.domains.aliasDomainNamed(name, this.em)) this.aliasDomainNames.add(name);
    this.candidates = await this.repos.backends.placementCandidates(this.em);
  }

  plan(input: MailboxInput): PlannedMailbox | RowErrors {
    const errors: FieldError[] = [];
    let status: number = HttpStatus.BAD_REQUEST;
    const fail = (s: number, field: string, reason: string) => {
      if (errors.length === 0) status = s;
      errors.push({ field, reason });
    };

    const parsed = parseAddress(input.address);
    if (!isParsedAddress(parsed)) {
      fail(400, 'address', parsed.error);
      return { status, errors };
    }
    const domain = this.domainsByName.get(parsed.domain) ?? null;
    if (!domain) {
      if (this.aliasDomainNames.has(parsed.domain) && this.actor.domainIds === 'all')
        fail(
          422,
          'address',
          `${parsed.domain} is an alias domain; create the mailbox in its target domain`,
        );
      else fail(422, 'address', `${parsed.domain} is not a domain you manage`);
      return { status, errors };
    }
    if (this.planned.has(parsed.address)) fail(409, 'address', 'appears more than once');
    else if (this.existing.has(parsed.address)) fail(409, 'address', 'already exists');

    const usage = this.usage.get(domain.id)!;
    if (domain.maxMailboxes !== null && usage.mailboxes + 1 > domain.maxMailboxes)
      fail(
        422,
        'address',
        `${domain.name} has reached its limit of ${domain.maxMailboxes} mailboxes`,
      );
    const quotaBytes = input.quotaBytes ?? domain.defaultQuotaBytes;
    const violation = quotaViolation(domain, usage, quotaBytes);
    if (violation) fail(422, violation.field, violation.reason);

    if (input.password !== undefined && input.passwordHash !== undefined)
      fail(400, 'password', 'give either password or passwordHash, not both');
    else if (input.password !== undefined) {
      const weak = this.repos.passwords.weakness(input.password, {
        localPart: parsed.localPart,
        domain: parsed.domain,
      });
      if (weak) fail(400, 'password', weak);
    } else if (input.passwordHash !== undefined) {
      const bad = this.repos.passwords.importError(input.passwordHash);
      if (bad) fail(400, 'passwordHash', bad);
    }

    const backendId = chooseBackend(
      this.candidates ?? [],
      domain.placementPolicy,
      parsed.localPart,
    );
    if (backendId === null)
      fail(422, 'address', `no backend may take new mailboxes for ${domain.name} now`);
    if (errors.length) return { status, errors };

    this.planned.add(parsed.address);
    usage.mailboxes += 1;
    usage.quotaAllocatedBytes += quotaBytes;
    const candidate = this.candidates!.find((c) => c.id === backendId)!;
    candidate.mailboxCount += 1;
    const generated = input.password === undefined && input.passwordHash === undefined;
    return {
      input,
      domain,
      generatedPassword: generated ? this.repos.passwords.generate() : undefined,
      row: {
        domainId: domain.id,
        localPart: parsed.localPart,
        address: parsed.address,
        displayName: input.displayName ?? '',
        passwordMustChange: false,
        quotaBytes,
        backendId: backendId!,
        pinned: input.pinned ?? false,
      },
    };
  }

  /** Hashes the planned passwords (argon2id for given or generated ones; imported hashes as they are). */
  async hashes(plans: PlannedMailbox[]): Promise<NewMailbox[]> {
    const out: NewMailbox[] = [];
    for (const p of plans) {
      const passwordHash =
        p.input.passwordHash ??
        (await this.repos.passwords.hash(p.input.password ?? p.generatedPassword!));
      out.push({ ...p.row, passwordHash });
    }
    return out;
  }
}
