import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsMessageContent } from './message-content.validator';

export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

export class ChatMessageDto {
  @ApiProperty({ enum: MESSAGE_ROLES, example: 'user' })
  @IsIn(MESSAGE_ROLES, { message: `role must be one of ${MESSAGE_ROLES.join(', ')}` })
  role!: (typeof MESSAGE_ROLES)[number];

  @ApiProperty({
    description: 'A string, or content parts: { type: "text", text } and { type: "image_url", image_url: { url } } (http(s) or data: URL)',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }],
    example: 'Describe this picture.',
  })
  @IsMessageContent()
  content!: unknown;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string;

  @ApiProperty({ required: false, type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsArray()
  tool_calls?: unknown[];

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  tool_call_id?: string;
}
