import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** JSON form of an OCR request; multipart sends the same fields with `image` as a file. */
const ocrRequestSchema = z.looseObject({
  image: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'The image as base64 or a data: URL (JSON bodies only; multipart sends a file)' }),
  model: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ example: 'ocr', description: 'A public model name; defaults to the endpoint default' }),
});

const analyzeRequestSchema = ocrRequestSchema.extend({
  prompt: z.string().min(1).max(20_000).meta({ example: 'What is in this picture?' }),
});

export class OcrRequestDto extends createZodDto(ocrRequestSchema) {}

export class AnalyzeRequestDto extends createZodDto(analyzeRequestSchema) {}
