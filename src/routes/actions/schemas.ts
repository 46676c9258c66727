import { z } from '@hono/zod-openapi';
import { isValidActionName } from '../../domain/action-name.js';
import { ValidationError } from '../../domain/errors.js';
import { ActionName } from '../../domain/event.js';

export const TenantQuery = z.object({
  tenantId: z.string().min(1).optional().openapi({ description: 'Required with the platform token only.' }),
});

export const ActionParam = z.object({
  action: ActionName.openapi({
    param: { name: 'action', in: 'path' },
    description: 'The action name, URL-encoded; dots need no encoding.',
    example: 'discovery.run_started',
  }),
});

/** Only names that follow the convention can be inventoried, so only those can be managed. */
export function assertInventoriable(action: string, maxSegments: number): void {
  if (!isValidActionName(action, maxSegments)) {
    throw new ValidationError(`"${action}" does not follow the action naming convention`, {
      errors: [
        {
          pointer: 'action',
          detail: `snake_case segments joined by dots, at most ${maxSegments} (e.g. discovery.run_started)`,
        },
      ],
    });
  }
}
