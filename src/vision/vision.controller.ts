import { BallastError } from '@ballast/errors';
import { decodeDataUrlOrBase64 } from '@ballast/imaging';
import { Body, Controller, HttpCode, Inject, Post, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG } from '../config';
import { ApiProblemResponses, IMAGE_PROBLEMS, MODEL_CALL_PROBLEMS } from '../docs';
import type { AppConfig } from '../config';
import { AnalyzeRequestDto, OcrRequestDto } from './dto/vision-request.dto';
import { AnalyzeResponseDto, OcrResponseDto } from './dto/vision-response.dto';
import { modelHeaders } from '../model-status/model-headers';
import { UploadInterceptor } from './upload.interceptor';
import { VisionAnswer, VisionService } from './vision.service';

const MULTIPART_SCHEMA = (withPrompt: boolean) => ({
  schema: {
    type: 'object',
    required: withPrompt ? ['image', 'prompt'] : ['image'],
    properties: {
      image: { type: 'string', format: 'binary' },
      ...(withPrompt ? { prompt: { type: 'string' } } : {}),
      model: { type: 'string' },
    },
  },
});

@ApiTags('vision')
@Controller('v1/vision')
@UseInterceptors(UploadInterceptor)
export class VisionController {
  constructor(
    private readonly vision: VisionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('analyze')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate and normalise an image, then ask a vision model about it' })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody(MULTIPART_SCHEMA(true))
  @ApiOkResponse({ type: AnalyzeResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', ...IMAGE_PROBLEMS, ...MODEL_CALL_PROBLEMS)
  async analyze(
    @Body() dto: AnalyzeRequestDto,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.answer(reply, await this.vision.analyze(this.imageOf(dto, file), dto.prompt, dto.model));
  }

  @Post('ocr')
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate and normalise an image, then read its text (embedded OCR by default)' })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody(MULTIPART_SCHEMA(false))
  @ApiOkResponse({ type: OcrResponseDto })
  @ApiProblemResponses('VALIDATION_FAILED', ...IMAGE_PROBLEMS, ...MODEL_CALL_PROBLEMS)
  async ocr(
    @Body() dto: OcrRequestDto,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.answer(reply, await this.vision.ocr(this.imageOf(dto, file), dto.model));
  }

  private imageOf(dto: OcrRequestDto, file: Express.Multer.File | undefined): Buffer {
    if (file) {
      return file.buffer;
    }
    if (dto.image !== undefined) {
      return decodeDataUrlOrBase64(dto.image, this.config.maxUploadBytes, 'image');
    }
    throw new BallastError('VALIDATION_FAILED', {
      detail: 'Send the image as a multipart file field named "image", or as "image" (base64 or a data: URL) in a JSON body.',
      errors: [{ field: 'image', message: 'is required' }],
    });
  }

  private answer<T>(reply: FastifyReply, answer: VisionAnswer<T>): T {
    // On the reply, not the raw response: Nest sends the body through it (passthrough), and a problem written
    // after this point must not carry them.
    reply.headers(modelHeaders(answer.served, answer.fallback));
    return answer.body;
  }
}
