import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';

export class BulkImportDto {
  @ApiProperty({
    description: 'CSV text with a header line',
    example:
      'address,display_name,quota_bytes,password_hash\r\nalice@example.com,Alice,1073741824,{SHA512-CRYPT}$6$...',
  })
  @IsString()
  @MaxLength(15_000_000)
  csv: string;

  @ApiProperty({
    description: 'true: only check and report per-row errors; false: write all rows or none',
  })
  @IsBoolean()
  dryRun: boolean;

  @ApiPropertyOptional({ description: 'kept in the audit events' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ExportQueryDto {
  @ApiPropertyOptional({ example: '{"domainId":3}', description: 'JSON: domainId' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  filter?: string;
}
