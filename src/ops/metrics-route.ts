/** `GET /metrics`: the gateway's metrics in the Prometheus text format. */
import { Hono } from 'hono';
import type { GatewayMetrics } from '../observability/metrics.js';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(metrics: GatewayMetrics): Hono {
  return new Hono().get(METRICS_PATH, async (c) => {
    const { body, contentType } = await metrics.text();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
