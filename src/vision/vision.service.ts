import { BallastError } from '@ballast/errors';
import { ImagePipeline, NormalisedImage, toDataUrl } from '@ballast/imaging';
import { CallContext, describeTarget, MODEL_ROUTER, ModelRouter, Routed, RouteTarget } from '@ballast/models';
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

type AnswerCommon = Pick<AnalyzeResponseDto, 'model' | 'fallback' | 'image' | 'request_id'>;

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
    @Inject(MODEL_ROUTER) private readonly router: ModelRouter,
  ) {}

  async analyze(upload: Buffer, prompt: string, model = DEFAULT_ANALYZE_MODEL): Promise<VisionAnswer<AnalyzeResponseDto>> {
    const image = await this.normalise(model, upload);
    const routed = await this.router.run(model, 'chat', (target, context) => this.ask(target, prompt, image, context));
    return this.answer(routed, image, { text: routed.value });
  }

  async ocr(upload: Buffer, model = DEFAULT_OCR_MODEL): Promise<VisionAnswer<OcrResponseDto>> {
    const image = await this.normalise(model, upload);
    const routed = await this.router.run(model, 'chat', async (target, context): Promise<{ text: string; confidence: number | null }> =>
      // The embedded model reads text natively; a VL model is asked to transcribe.
      target.provider.ocr
        ? target.provider.ocr.recognize(image.data, context)
        : { text: await this.ask(target, TRANSCRIBE_PROMPT, image, context), confidence: null },
    );
    return this.answer(routed, image, routed.value);
  }

  /** The model name is checked first: an unknown one is refused before any image work. */
  private normalise(model: string, upload: Buffer): Promise<NormalisedImage> {
    this.router.route(model);
    return this.pipeline.process(upload);
  }

  private async ask(target: RouteTarget, prompt: string, image: NormalisedImage, context: CallContext): Promise<string> {
    const completion = await target.provider.chat!.complete(target.model, { messages: imageMessages(prompt, image) }, context);
    const text = completion.choices[0]?.message?.content;
    if (typeof text !== 'string') {
      throw new BallastError('UPSTREAM_BAD_RESPONSE', { cause: new Error('vision answer without text content') });
    }
    return text;
  }

  private answer<T extends object>(routed: Routed<unknown>, image: NormalisedImage, fields: T): VisionAnswer<T & AnswerCommon> {
    return {
      body: {
        ...fields,
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
