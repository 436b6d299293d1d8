import { ERROR_CODES } from '@ballast/errors';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'messages[0].content' })
  field: string;

  @ApiProperty({ example: 'must not be empty' })
  message: string;
}

export class OpenAiErrorDto {
  @ApiProperty({ description: 'Same as `detail`', example: 'Rate limit reached. Wait for Retry-After seconds, then try again.' })
  message: string;

  @ApiProperty({ example: 'rate_limit_error', description: 'OpenAI error type, so OpenAI SDKs classify the error' })
  type: string;

  @ApiProperty({ enum: ERROR_CODES, example: 'RATE_LIMITED' })
  code: string;
}

/** RFC 9457 problem details: the one error shape of every route (`application/problem+json`). */
export class ProblemDetailsDto {
  @ApiProperty({ example: '/problems/rate-limited', description: 'Resolves to a human page about this code' })
  type: string;

  @ApiProperty({ example: 'Too many requests' })
  title: string;

  @ApiProperty({ example: 429 })
  status: number;

  @ApiProperty({
    example: 'Rate limit reached. Wait for Retry-After seconds, then try again.',
    description: 'What happened; for 4xx, what to fix',
  })
  detail: string;

  @ApiPropertyOptional({ example: '/v1/chat/completions' })
  instance?: string;

  @ApiProperty({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    example: 'RATE_LIMITED',
    description: 'From one closed list, with a fixed status each',
  })
  code: string;

  @ApiProperty({ example: '0197a5f0-6c1e-7c3a-9b1e-3f0d2a4b5c6d', description: 'Also in the X-Request-Id header and every log line' })
  request_id: string;

  @ApiProperty({ example: true, description: 'Whether sending the same request again may succeed' })
  retryable: boolean;

  @ApiPropertyOptional({ example: 12, description: 'Seconds to wait; same as the Retry-After header' })
  retry_after?: number;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Validation failures only' })
  errors?: FieldErrorDto[];

  @ApiProperty({ type: OpenAiErrorDto, description: 'OpenAI-style mirror, so OpenAI SDKs show the message' })
  error: OpenAiErrorDto;
}
