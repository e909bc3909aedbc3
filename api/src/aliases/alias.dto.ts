import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';

export class CreateAliasDto {
  @ApiProperty({ example: 'sales@example.com', description: '`@example.com` for the catch-all' })
  @IsString()
  @MaxLength(320)
  address: string;

  @ApiProperty({ example: ['alice@example.com', 'bob@partner.net'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'must hold at least one address' })
  @ArrayMaxSize(100, { message: 'must hold at most 100 addresses' })
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  targets: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateAliasDto {
  @ApiPropertyOptional({ example: ['alice@example.com'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'must hold at least one address' })
  @ArrayMaxSize(100, { message: 'must hold at most 100 addresses' })
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  targets?: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}
