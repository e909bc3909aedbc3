import { PlacementPolicy } from '@roost/core';
import { FieldError } from '../common/api-error';

const FIELD = 'placementPolicy';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(
  o: Record<string, unknown>,
  allowed: string[],
  field: string,
  errors: FieldError[],
): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      errors.push({ field: `${field}.${k}`, reason: 'is not a known field' });
}

function backendId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 2_147_483_647;
}

/**
 * Checks a placement policy's shape (`any`, `pinned` to backends, or first-letter `rules`).
 * Returns the policy and the backend ids it names (to check they exist), or the errors.
 */
export function parsePlacementPolicy(
  input: unknown,
): { policy: PlacementPolicy; backendIds: number[] } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isObject(input))
    return { errors: [{ field: FIELD, reason: 'must be an object with a kind' }] };
  switch (input.kind) {
    case 'any':
      onlyKeys(input, ['kind'], FIELD, errors);
      return errors.length ? { errors } : { policy: { kind: 'any' }, backendIds: [] };
    case 'pinned': {
      onlyKeys(input, ['kind', 'backendIds'], FIELD, errors);
      const ids = input.backendIds;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100 || !ids.every(backendId))
        errors.push({
          field: `${FIELD}.backendIds`,
          reason: 'must be a list of 1 to 100 backend ids',
        });
      if (errors.length) return { errors };
      const unique = [...new Set(ids as number[])];
      return { policy: { kind: 'pinned', backendIds: unique }, backendIds: unique };
    }
    case 'rules': {
      onlyKeys(input, ['kind', 'rules'], FIELD, errors);
      const rules = input.rules;
      if (!Array.isArray(rules) || rules.length === 0 || rules.length > 36) {
        errors.push({ field: `${FIELD}.rules`, reason: 'must be a list of 1 to 36 rules' });
        return { errors };
      }
      const out: { from: string; to: string; backendId: number }[] = [];
      rules.forEach((r: unknown, i) => {
        const field = `${FIELD}.rules.${i}`;
        if (!isObject(r)) {
          errors.push({ field, reason: 'must be an object { from, to, backendId }' });
          return;
        }
        onlyKeys(r, ['from', 'to', 'backendId'], field, errors);
        const ok = (c: unknown): c is string => typeof c === 'string' && /^[a-z0-9]$/.test(c);
        if (!ok(r.from))
          errors.push({ field: `${field}.from`, reason: 'must be one character a-z or 0-9' });
        if (!ok(r.to))
          errors.push({ field: `${field}.to`, reason: 'must be one character a-z or 0-9' });
        if (ok(r.from) && ok(r.to) && r.from > r.to)
          errors.push({ field: `${field}.to`, reason: 'must not come before from' });
        if (!backendId(r.backendId))
          errors.push({ field: `${field}.backendId`, reason: 'must be a backend id' });
        if (ok(r.from) && ok(r.to) && backendId(r.backendId))
          out.push({ from: r.from, to: r.to, backendId: r.backendId });
      });
      for (let i = 0; i < out.length; i++)
        for (let j = i + 1; j < out.length; j++)
          if (out[i].from <= out[j].to && out[j].from <= out[i].to)
            errors.push({ field: `${FIELD}.rules.${j}`, reason: `overlaps rule ${i}` });
      if (errors.length) return { errors };
      return {
        policy: { kind: 'rules', rules: out },
        backendIds: [...new Set(out.map((r) => r.backendId))],
      };
    }
    default:
      return { errors: [{ field: `${FIELD}.kind`, reason: 'must be any, pinned or rules' }] };
  }
}
