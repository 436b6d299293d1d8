import { MODEL_ROUTER, ModelRouter, ModelProbes } from '@ballast/models';
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

/** OpenAI's model list, with each public name's current health. */
@ApiTags('chat')
@Controller('v1/models')
export class ModelsController {
  constructor(
    @Inject(MODEL_ROUTER) private readonly router: ModelRouter,
    private readonly probes: ModelProbes,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The public model names, OpenAI list format, each with its health' })
  @ApiOkResponse({ description: '{ object: "list", data: [{ id, object: "model", created, owned_by, health }] }' })
  list() {
    return {
      object: 'list',
      data: this.router.health(this.probes.results).map((model) => ({
        id: model.name,
        object: 'model',
        created: 0,
        owned_by: 'ballast',
        health: model.status,
      })),
    };
  }
}
