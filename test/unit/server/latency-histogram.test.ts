/** The server's per-query latency histogram (src/server/metrics.ts): Prometheus's bucket rule, cumulative counts. */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/server/metrics.js';

describe('LatencyHistogram', () => {
  it('counts a value in the first bucket whose bound it does not exceed, cumulatively, with sum and count', async () => {
    const h = new LatencyHistogram();
    const q = h.series('q');
    for (const seconds of [0.000_01, 0.000_02, 0.000_02, 0.003, 2]) LatencyHistogram.observe(q, seconds);
    const { values } = await h.get();
    const buckets = values.filter((v) => v.metricName.endsWith('_bucket')).map((v) => [String(v.labels['le']), v.value]);
    expect(buckets).toEqual([
      ['0.00001', 1],
      ['0.000025', 3],
      ['0.00005', 3],
      ['0.0001', 3],
      ['0.00025', 3],
      ['0.0005', 3],
      ['0.001', 3],
      ['0.0025', 3],
      ['0.005', 4],
      ['0.01', 4],
      ['0.05', 4],
      ['+Inf', 5],
    ]);
    expect(values.find((v) => v.metricName.endsWith('_sum'))!.value).toBeCloseTo(2.00305, 10);
    expect(values.find((v) => v.metricName.endsWith('_count'))!.value).toBe(5);
    expect(values.every((v) => v.labels['query'] === 'q')).toBe(true);
  });

  it('forgets a removed query', async () => {
    const h = new LatencyHistogram();
    LatencyHistogram.observe(h.series('a'), 0.001);
    LatencyHistogram.observe(h.series('b'), 0.001);
    h.remove('a');
    expect(new Set((await h.get()).values.map((v) => v.labels['query']))).toEqual(new Set(['b']));
  });
});
