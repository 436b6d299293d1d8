import { BallastError } from '@ballast/errors';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiKeyVerifier, presentedKeys } from './api-key.verifier';
import { isApiRequest, setApiClient } from './api-scope';

/**
 * With API_KEYS set, every /v1 route needs a valid key. The 401 says how to
 * authenticate and nothing about the key that was sent.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly verifier: ApiKeyVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.verifier.enabled) {
      return true;
    }
    const req = context.switchToHttp().getRequest<Request>();
    if (!isApiRequest(req)) {
      return true;
    }
    const clientId = presentedKeys(req.headers)
      .map((key) => this.verifier.verify(key))
      .find((id) => id !== undefined);
    if (!clientId) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="ballast"');
      throw new BallastError('UNAUTHENTICATED');
    }
    setApiClient(req, clientId);
    return true;
  }
}
