export { ApiProblemResponses, PROBLEM_CONTENT_TYPE, problemResponse } from './api-problem.decorator';
export { ProblemDetailsDto } from './problem-details.dto';
export { buildOpenApiDocument, setupDocs } from './setup-docs';
