import { ApiProperty } from '@nestjs/swagger';

class OriginalImageDto {
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ example: 'jpeg' }) format!: string;
  @ApiProperty() bytes!: number;
}

export class ImageReportDto {
  @ApiProperty({ description: 'Of the normalised image the model saw' }) width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ example: 'jpeg' }) format!: string;
  @ApiProperty({ example: ['orientation', 'metadata_stripped', 're_encoded:jpeg'] }) corrections!: string[];
  @ApiProperty({ type: OriginalImageDto }) original!: OriginalImageDto;
}

export class AnalyzeResponseDto {
  @ApiProperty() text!: string;
  @ApiProperty({ example: 'vision/primary/qwen2-vl-instruct', description: 'public-name/provider/model of the entry that answered' })
  model!: string;
  @ApiProperty() fallback!: boolean;
  @ApiProperty({ type: ImageReportDto }) image!: ImageReportDto;
  @ApiProperty() request_id!: string;
}

export class OcrResponseDto extends AnalyzeResponseDto {
  @ApiProperty({ nullable: true, description: '0..1; null when a VL model transcribed the text' }) confidence!: number | null;
}
