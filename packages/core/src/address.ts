/**
 * Mail addresses as Roost stores them: lower-case ASCII `local@domain`.
 *
 * Non-ASCII (SMTPUTF8) addresses are refused: Postfix 3.7 talks LATIN1 to PostgreSQL
 * (notes/routing.md §2.1), so a UTF-8 address could never be routed reliably.
 */
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface ParsedAddress {
  localPart: string;
  domain: string;
  address: string;
}

export function normalizeDomain(input: string): string {
  return input.trim().toLowerCase().replace(/\.$/, '');
}

/** Returns null when `domain` is a valid ASCII domain name, else the reason. */
export function domainError(domain: string): string | null {
  if (domain.length === 0) return 'must not be empty';
  if (domain.length > 253) return 'must be at most 253 characters';
  if (/[^\x20-\x7e]/.test(domain)) return 'must be ASCII (use the punycode xn-- form)';
  const labels = domain.split('.');
  if (labels.length < 2) return 'must contain a dot';
  if (!labels.every((l) => DOMAIN_LABEL.test(l))) return 'is not a valid domain name';
  return null;
}

/** Returns null when `local` is a valid local part, else the reason. */
export function localPartError(local: string): string | null {
  if (local.length === 0) return 'must not be empty';
  if (local.length > 64) return 'must be at most 64 characters';
  if (/[^\x20-\x7e]/.test(local)) return 'must be ASCII (SMTPUTF8 addresses are not supported)';
  // '/' and '@' would break Cyrus mailbox names with unixhierarchysep.
  if (local.includes('/')) return "must not contain '/'";
  if (!LOCAL_PART.test(local)) return 'is not a valid local part';
  return null;
}

/** Parses and lower-cases an address; throws nothing, returns the reason instead. */
export function parseAddress(input: string): ParsedAddress | { error: string } {
  const trimmed = input.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return { error: 'must look like name@domain' };
  const localPart = trimmed.slice(0, at);
  const domain = normalizeDomain(trimmed.slice(at + 1));
  const reason = localPartError(localPart) ?? domainError(domain);
  if (reason) return { error: reason };
  return { localPart, domain, address: `${localPart}@${domain}` };
}

export function isParsedAddress(p: ParsedAddress | { error: string }): p is ParsedAddress {
  return !('error' in p);
}
