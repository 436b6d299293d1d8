export { ApiProblemResponses, PROBLEM_CONTENT_TYPE, problemResponse } from './api-problem.decorator';
export { IMAGE_PROBLEMS, MODEL_CALL_PROBLEMS } from './model-call-problems';
export { ProblemDetailsDto } from './problem-details.dto';
export { buildOpenApiDocument, setupDocs } from './setup-docs';
