import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, invalid } from './api-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [name, message] of Object.entries(e.constraints ?? {})) {
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

/** Whitelisting validation whose 400 body names each field and why (one format for all errors). */
export function roostValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
