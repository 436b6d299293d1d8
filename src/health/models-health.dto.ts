import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class LastProbeDto {
  @ApiProperty({ example: '2025-01-01T12:00:00.000Z' })
  at: string;

  @ApiProperty({ example: true })
  ok: boolean;
}

class RouteEntryHealthDto {
  @ApiProperty({ example: 'primary', description: 'Provider id from the models file' })
  provider: string;

  @ApiProperty({ example: 'qwen2.5-7b-instruct' })
  model: string;

  @ApiProperty({ enum: ['closed', 'half-open', 'open'] })
  breaker: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.98,
    description: 'Share of recent calls that succeeded; null when there were none',
  })
  success_rate: number | null;

  @ApiPropertyOptional({ example: 'MODEL_TIMEOUT', description: 'Taxonomy code of the last failure' })
  last_error_code?: string;

  @ApiPropertyOptional({ type: LastProbeDto })
  last_probe?: LastProbeDto;
}

class ModelHealthDto {
  @ApiProperty({ example: 'chat', description: 'Public model name' })
  name: string;

  @ApiProperty({ enum: ['up', 'degraded', 'down'] })
  status: string;

  @ApiProperty({ type: [RouteEntryHealthDto] })
  entries: RouteEntryHealthDto[];
}

export class ModelsHealthDto {
  @ApiProperty({ type: [ModelHealthDto] })
  models: ModelHealthDto[];
}
