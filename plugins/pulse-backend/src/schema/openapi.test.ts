import SwaggerParser from '@apidevtools/swagger-parser';
import { mockCredentials } from '@backstage/backend-test-utils';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { startPulseTestBackend } from '../__testUtils__/testBackend';
import { createTestDatabases } from '../__testUtils__/testDatabases';

// eslint-disable-next-line @backstage/no-relative-monorepo-imports
const { render } = require('../../scripts/generate-openapi-router.js');

jest.setTimeout(60_000);

const databases = createTestDatabases();

describe('the OpenAPI description', () => {
  it('is valid OpenAPI 3.1 whose references all resolve', async () => {
    const api = await SwaggerParser.validate(
      resolve(__dirname, 'openapi.yaml'),
    );
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it('matches the generated router and models (run `yarn generate:openapi` after editing it)', async () => {
    const rendered: Record<string, string> = await render();
    for (const [file, text] of Object.entries(rendered)) {
      expect({ file, text: readFileSync(file, 'utf8') }).toEqual({
        file,
        text,
      });
    }
  });
});

describe.each(databases.eachSupportedId())(
  'the validated router on %s',
  databaseId => {
    it('serves only documented routes, and checks responses in tests', async () => {
      const { backend, server } = await startPulseTestBackend({
        knex: await databases.init(databaseId),
        config: { pulse: { api: { validateResponses: true } } },
      });
      const auth = mockCredentials.user.header();
      const unknown = await request(server)
        .get('/api/pulse/v1/not-a-route')
        .set('Authorization', auth);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.name).toBe('NotFoundError');
      const wrongMethod = await request(server)
        .put('/api/pulse/v1/incidents')
        .set('Authorization', auth);
      expect(wrongMethod.status).toBe(405);
      const unknownParameter = await request(server)
        .get('/api/pulse/v1/incidents?colour=red')
        .set('Authorization', auth);
      expect(unknownParameter.status).toBe(400);
      expect(unknownParameter.body.error.message).toContain("'colour'");
      const served = await request(server)
        .get('/api/pulse/v1/openapi.json')
        .set('Authorization', auth);
      expect(served.status).toBe(200);
      expect(Object.keys(served.body.paths)).toContain(
        '/api/pulse/v1/incidents/{id}/acknowledge',
      );
      await backend.stop();
    });
  },
);
