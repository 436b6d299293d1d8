import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** JSON form of an OCR request; multipart sends the same fields with `image` as a file. */
export class OcrRequestDto {
  @ApiProperty({
    required: false,
    description: 'The image as base64 or a data: URL (JSON bodies only; multipart sends a file)',
    type: String,
  })
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'image must not be empty' })
  image?: string;

  @ApiProperty({ required: false, example: 'ocr', description: 'A public model name; defaults to the endpoint default' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  model?: string;
}

export class AnalyzeRequestDto extends OcrRequestDto {
  @ApiProperty({ example: 'What is in this picture?' })
  @IsString({ message: 'prompt must be a string' })
  @MinLength(1, { message: 'prompt must not be empty' })
  @MaxLength(20_000)
  prompt!: string;
}
