import 'reflect-metadata';
import { BallastError } from '@ballast/errors';
import { loadConfig } from '../../config/load-config';
import { createValidationPipe } from '../../problems/validation.pipe';
import { AnalyzeRequestDto, OcrRequestDto } from './vision-request.dto';

const pipe = createValidationPipe(loadConfig({}).limits);
const sut = (metatype: unknown, body: unknown) => pipe.transform(body, { type: 'body', metatype: metatype as never, data: undefined });

function errorsOf(metatype: unknown, body: unknown) {
  try {
    sut(metatype, body);
  } catch (error) {
    return (error as BallastError).errors;
  }
  throw new Error('the body was accepted');
}

describe('the vision request schemas, through the validation pipe', () => {
  it.each([
    [AnalyzeRequestDto, { image: 'aGVsbG8=' }, 'prompt', 'is required'],
    [AnalyzeRequestDto, { prompt: '' }, 'prompt', 'must not be empty'],
    [AnalyzeRequestDto, { prompt: 'x'.repeat(20_001) }, 'prompt', 'must be at most 20000 characters'],
    [OcrRequestDto, { image: '' }, 'image', 'must not be empty'],
    [OcrRequestDto, { model: 'x'.repeat(129) }, 'model', 'must be at most 128 characters'],
  ])('refuses %p %j, naming the field', (metatype, body, field, message) => {
    expect(errorsOf(metatype, body)).toEqual([{ field, message }]);
  });

  it('accepts a multipart body without an image (the file comes apart) and keeps unknown fields', () => {
    expect(sut(AnalyzeRequestDto, { prompt: 'What is this?', detail: 'high' })).toEqual({ prompt: 'What is this?', detail: 'high' });
    expect(sut(OcrRequestDto, {})).toEqual({});
  });
});
