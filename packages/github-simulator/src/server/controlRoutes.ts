import express from 'express';
import { z } from 'zod';
import type { ServerContext } from './context';

const faultsBody = z.object({
  errorRate: z.number().min(0).max(1).optional(),
  errorStatuses: z
    .array(z.union([z.literal(500), z.literal(502), z.literal(503)]))
    .optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
  timeoutMs: z.number().int().min(0).optional(),
  dropRate: z.number().min(0).max(1).optional(),
});

const secondaryBody = z.object({
  count: z.number().int().min(1),
  status: z.union([z.literal(403), z.literal(429)]).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
});

const openPullBody = z.object({
  title: z.string().min(1).max(256).optional(),
});

/**
 * Endpoints under `/_simulator` for driving a simulator that runs in another
 * process (stats for benchmarks, fault switches, activity steps, a pull request of the caller's own
 * to open and merge). They are
 * exempt from faults, rate limits and request counting.
 */
export function registerControlRoutes(
  app: express.Express,
  context: ServerContext,
): void {
  const control = express.Router();
  control.use(express.json());

  control.get('/stats', (_req, res) => {
    res.json(context.stats.snapshot());
  });

  control.post('/reset-stats', (_req, res) => {
    context.stats.reset();
    res.status(204).end();
  });

  control.post('/reset-rate-limits', (_req, res) => {
    context.rateLimiter.reset();
    res.status(204).end();
  });

  control.get('/faults', (_req, res) => {
    res.json(context.faults.getFaults());
  });

  control.put('/faults', (req, res) => {
    const parsed = faultsBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.message });
      return;
    }
    context.faults.setFaults(parsed.data);
    res.json(context.faults.getFaults());
  });

  control.post('/secondary-rate-limit', (req, res) => {
    const parsed = secondaryBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.message });
      return;
    }
    context.faults.triggerSecondaryRateLimit(parsed.data);
    res.status(204).end();
  });

  control.post('/tick', (_req, res) => {
    res.json({ events: context.control.tick() });
  });

  control.post('/repos/:owner/:repo/pulls', (req, res) => {
    const parsed = openPullBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ message: parsed.error.message });
      return;
    }
    const number = context.control.openPull(
      `${req.params.owner}/${req.params.repo}`,
      parsed.data,
    );
    if (number === undefined) {
      res.status(404).json({ message: 'Not Found' });
      return;
    }
    res.status(201).json({ number });
  });

  control.post('/repos/:owner/:repo/pulls/:number/merge', (req, res) => {
    const number = Number(req.params.number);
    if (!Number.isInteger(number) || number < 1) {
      res.status(400).json({ message: 'A pull request number is required' });
      return;
    }
    const outcome = context.control.mergePull(
      `${req.params.owner}/${req.params.repo}`,
      number,
    );
    if (outcome === 'not-found') {
      res.status(404).json({ message: 'Not Found' });
    } else if (outcome === 'not-open') {
      res.status(409).json({ message: 'Pull Request is not open' });
    } else {
      res.json({ merged: true });
    }
  });

  app.use('/_simulator', control);
}
