import express from 'express';
import Router from 'express-promise-router';

/** The plugin's root router: the versioned API under `/v1` and an unauthenticated health check. */
export function createRouter(options: {
  v1Routers: express.Router[];
}): express.Router {
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const v1 = Router();
  for (const domainRouter of options.v1Routers) {
    v1.use(domainRouter);
  }
  router.use('/v1', v1);
  return router;
}
