import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, invalid } from './api-error';

const TYPE_CHECKS = new Set([
  'isInt',
  'isNumber',
  'isString',
  'isBoolean',
  'isArray',
  'isObject',
  'isEnum',
  'isIn',
]);

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    let constraints = Object.entries(e.constraints ?? {});
    // A value of the wrong type: say that, not also every range it misses.
    const typeCheck = constraints.filter(([name]) => TYPE_CHECKS.has(name));
    if (typeCheck.length) constraints = typeCheck.slice(0, 1);
    for (const [name, message] of constraints) {
      if (name === 'whitelistValidation') out.push({ field, reason: 'is not a known field' });
      else if (name === 'unknownValue')
        out.push({ field: field || 'body', reason: 'must be a JSON object' });
      else
        out.push({
          field,
          reason: message.startsWith(e.property + ' ')
            ? message.slice(e.property.length + 1)
            : message,
        });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/**
 * Nest's ValidationPipe turns primitive path and query values into the parameter's declared type
 * with `Number(...)`, which reads '1 ', '1e3' and '0x10' as ids. Roost's own pipes parse those
 * strictly, so primitives pass through untouched.
 */
class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }
}

/** Whitelisting validation whose 400 body names each field and why (one format for all errors). */
export function roostValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return invalid(fields.length ? fields : [{ field: 'body', reason: 'is not valid' }]);
    },
  });
}
