import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Prechecked } from '../../problems/precheck';
import { ChatMessageDto } from './chat-message.dto';
import { precheckChatRequest } from './chat-request.precheck';
import { IsStopSequence } from './stop-sequence.validator';

class StreamOptionsDto {
  @ApiProperty({ required: false })
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean;
}

/**
 * The OpenAI Chat Completions request. Fields Ballast does not know are
 * passed to the upstream untouched. Sizes (messages, parts, text length)
 * are settings, checked by `precheckChatRequest` before anything else.
 */
@Prechecked(precheckChatRequest)
export class ChatCompletionRequestDto {
  @ApiProperty({ example: 'chat', description: 'A public model name (GET /v1/models)' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  model!: string;

  @ApiProperty({ type: [ChatMessageDto] })
  @IsArray()
  @ArrayMinSize(1, { message: 'messages must contain at least one message' })
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  messages!: ChatMessageDto[];

  @ApiProperty({ required: false, minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number;

  @ApiProperty({ required: false, minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  top_p?: number;

  @ApiProperty({ required: false, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_tokens?: number;

  @ApiProperty({ required: false, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_completion_tokens?: number;

  @ApiProperty({
    required: false,
    description: 'Up to 4 stop sequences',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  @IsOptional()
  @IsStopSequence()
  stop?: string | string[];

  @ApiProperty({ required: false, minimum: 1, maximum: 16 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  n?: number;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiProperty({ required: false, type: StreamOptionsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  stream_options?: StreamOptionsDto;

  @ApiProperty({ required: false, minimum: -2, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  presence_penalty?: number;

  @ApiProperty({ required: false, minimum: -2, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  frequency_penalty?: number;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  user?: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsInt()
  seed?: number;

  @ApiProperty({ required: false, type: Object, additionalProperties: true })
  @IsOptional()
  @IsObject()
  response_format?: Record<string, unknown>;

  @ApiProperty({ required: false, type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray()
  tools?: unknown[];

  @ApiProperty({ required: false, oneOf: [{ type: 'string' }, { type: 'object' }] })
  @IsOptional()
  tool_choice?: unknown;
}
