import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { OptionalBool, OptionalBytes, OptionalCount } from '../common/dto';

export class UpdateDomainDto {
  @OptionalBool('receives mail and logins')
  active?: boolean;

  @OptionalCount('most mailboxes; null for no limit')
  maxMailboxes?: number | null;

  @OptionalCount('most aliases; null for no limit')
  maxAliases?: number | null;

  @OptionalBytes('largest quota of one mailbox; null for no limit')
  maxQuotaBytes?: number | null;

  @OptionalBytes('sum of all mailbox quotas; null for no limit')
  totalQuotaBytes?: number | null;

  @OptionalBytes('quota of a new mailbox when none is given')
  defaultQuotaBytes?: number;

  @ApiPropertyOptional({
    description:
      '{kind:"any"} | {kind:"pinned",backendIds:[1]} | {kind:"rules",rules:[{from:"a",to:"k",backendId:1}]}',
    example: { kind: 'any' },
  })
  @IsOptional()
  placementPolicy?: unknown;
}

export class CreateDomainDto extends UpdateDomainDto {
  @ApiProperty({ example: 'example.com' })
  @IsString()
  @MaxLength(253)
  name: string;
}
