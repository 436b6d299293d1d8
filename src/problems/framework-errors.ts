import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type FrameworkErrorAnswer = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

const answers = new WeakMap<FastifyInstance, FrameworkErrorAnswer>();

/**
 * Fastify's `frameworkErrors` option. Its router refuses a path it cannot percent-decode (FST_ERR_BAD_URL), or a
 * parameter longer than maxParamLength, itself, before any hook runs: otherwise a bare JSON 400 with no request id
 * and no log line. The option is fixed when the instance is made, before configureApp has built the edge, so it
 * hands the error to the answer configureApp registered for that instance.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = answers.get(request.server);
  if (answer) {
    answer(error, request, reply);
    return;
  }
  reply.send(error);
}

export function answerFrameworkErrors(fastify: FastifyInstance, answer: FrameworkErrorAnswer): void {
  answers.set(fastify, answer);
}
