import { BallastError } from '@ballast/errors';
import { ImagePipeline, NormalisedImage, toDataUrl } from '@ballast/imaging';
import { CHAT_ROUTING, ChatRouting, describeTarget, MODEL_ROUTER, ModelRouter, RouteTarget } from '@ballast/models';
import { requestContext } from '@ballast/observability';
import { Inject, Injectable } from '@nestjs/common';
import type { AnalyzeResponseDto, ImageReportDto, OcrResponseDto } from './dto/vision-response.dto';

export const DEFAULT_ANALYZE_MODEL = 'vision';
export const DEFAULT_OCR_MODEL = 'ocr';
const TRANSCRIBE_PROMPT = 'Transcribe all text in this image exactly as written. Answer with the text only.';

function imageMessages(prompt: string, image: NormalisedImage) {
  return [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: prompt },
        { type: 'image_url' as const, image_url: { url: toDataUrl(image) } },
      ],
    },
  ];
}

function report(image: NormalisedImage): ImageReportDto {
  return { width: image.width, height: image.height, format: image.format, corrections: image.corrections, original: image.original };
}

export interface VisionAnswer<T> {
  body: T;
  served: RouteTarget;
  fallback: boolean;
}

/** Upload in, normalised image through the router, answer out: the same retries, breakers and fallbacks as chat. */
@Injectable()
export class VisionService {
  constructor(
    private readonly pipeline: ImagePipeline,
    @Inject(CHAT_ROUTING) private readonly chat: ChatRouting,
    @Inject(MODEL_ROUTER) private readonly router: ModelRouter,
  ) {}

  async analyze(upload: Buffer, prompt: string, model = DEFAULT_ANALYZE_MODEL): Promise<VisionAnswer<AnalyzeResponseDto>> {
    this.router.route(model);
    const image = await this.pipeline.process(upload);
    const routed = await this.chat.complete(model, { messages: imageMessages(prompt, image) });
    const text = routed.value.choices[0]?.message?.content;
    if (typeof text !== 'string') {
      throw new BallastError('UPSTREAM_BAD_RESPONSE', { cause: new Error('vision answer without text content') });
    }
    return {
      body: {
        text,
        model: describeTarget(routed.served),
        fallback: routed.fallback,
        image: report(image),
        request_id: requestContext.requestId() ?? '',
      },
      served: routed.served,
      fallback: routed.fallback,
    };
  }

  async ocr(upload: Buffer, model = DEFAULT_OCR_MODEL): Promise<VisionAnswer<OcrResponseDto>> {
    this.router.route(model);
    const image = await this.pipeline.process(upload);
    const routed = await this.router.run(model, 'chat', async (target, context) => {
      // The embedded model reads text natively; a VL model is asked to transcribe.
      if (target.provider.ocr) {
        return target.provider.ocr.recognize(image.data, context);
      }
      const completion = await target.provider.chat!.complete(
        target.model,
        { messages: imageMessages(TRANSCRIBE_PROMPT, image), temperature: 0 },
        context,
      );
      const text = completion.choices[0]?.message?.content;
      if (typeof text !== 'string') {
        throw new BallastError('UPSTREAM_BAD_RESPONSE', { cause: new Error('transcription without text content') });
      }
      return { text, confidence: null };
    });
    return {
      body: {
        text: routed.value.text,
        confidence: routed.value.confidence,
        model: describeTarget(routed.served),
        fallback: routed.fallback,
        image: report(image),
        request_id: requestContext.requestId() ?? '',
      },
      served: routed.served,
      fallback: routed.fallback,
    };
  }
}
