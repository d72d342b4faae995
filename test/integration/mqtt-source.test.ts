/**
 * The MQTT source against the real local broker (Mosquitto, `MQTT_URL` or mqtt://127.0.0.1:1883):
 * messages published on the mapped topic filters reach their streams and the queries over them,
 * a payload that is not JSON lands on `_rejected` with its topic in the reason, and stop() ends
 * the client. Skipped, with the reason, when no broker answers, unless CI=true.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSource } from '../../src/connect/index.js';
import { Engine, type OutputEvent } from '../../src/index.js';

const URL = process.env['MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';

async function checkBroker(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const client = await connectAsync(URL, { connectTimeout: 2_000, reconnectPeriod: 0 }, false);
    await client.endAsync();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no MQTT broker at ${URL} (${error instanceof Error ? error.message : String(error)})` };
  }
}

const prerequisites = await checkBroker();
const skipReason = prerequisites.ok || process.env.CI === 'true' ? '' : prerequisites.reason;
if (skipReason) console.warn(`MQTT source tests skipped: ${skipReason}`);

const SCRIPT = `CREATE STREAM Reading (sensor STRING NOT NULL, temp DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Door (door STRING NOT NULL, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM hot AS SELECT sensor, temp FROM Reading WHERE temp > 30;
CREATE STREAM rising AS SELECT a.sensor, a.temp AS first, b.temp AS second
  FROM PATTERN a=Reading[temp > 30] -> b=Reading[temp > a.temp] PARTITION BY sensor WITHIN 1 MINUTE;
CREATE STREAM opened AS SELECT door FROM Door;`;

describe.skipIf(skipReason !== '')('MQTT source (real broker)', () => {
  // A prefix of this run's own, so that other clients of the broker do not interfere.
  const prefix = `cepheus-test-${process.pid}-${Date.now()}`;
  let publisher: MqttClient;

  beforeAll(async () => {
    publisher = await connectAsync(URL, {}, false);
  });

  afterAll(async () => {
    await publisher?.endAsync();
  });

  it('pushes each message to the stream of its topic filter; a payload that is not JSON is rejected with its topic', async () => {
    const engine = new Engine();
    expect(engine.deploy(SCRIPT).ok).toBe(true);
    const outputs: Record<string, Record<string, unknown>[]> = { hot: [], rising: [], opened: [], _rejected: [] };
    for (const stream of Object.keys(outputs)) engine.subscribe(stream, (e: OutputEvent) => outputs[stream]!.push({ ...e.data }));
    const pushed: string[] = [];
    const source = new MqttSource({ url: URL, topics: { [`${prefix}/sensors/+/temp`]: 'Reading', [`${prefix}/doors/#`]: 'Door' }, qos: 1 });
    await source.start({
      push: (stream, event, origin) => {
        pushed.push(`${stream} (${origin})`);
        engine.push(stream, event, origin);
      },
    });

    const t0 = 1_700_000_000_000;
    const messages: [string, unknown][] = [
      ['sensors/1/temp', { sensor: 's1', temp: 21, ts: t0 }],
      ['sensors/2/temp', { sensor: 's2', temp: 31, ts: t0 + 1_000 }],
      ['sensors/1/temp', { sensor: 's1', temp: 32, ts: t0 + 2_000 }],
      ['sensors/9/temp', 'not json {'],
      ['other/topic', { sensor: 's3', temp: 99, ts: t0 + 2_500 }],
      ['sensors/2/temp', { sensor: 's2', temp: 35, ts: t0 + 3_000 }],
      ['doors/hall/front', { door: 'front', ts: t0 + 4_000 }],
      ['sensors/1/temp', { sensor: 's1', temp: 33, ts: t0 + 5_000 }],
    ];
    for (const [topic, payload] of messages) {
      await publisher.publishAsync(`${prefix}/${topic}`, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
    }
    const until = Date.now() + 10_000;
    while (pushed.length < messages.length - 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));

    expect(pushed).toEqual([
      ...['1', '2', '1', '9', '2'].map((n) => `Reading (mqtt topic ${prefix}/sensors/${n}/temp)`),
      `Door (mqtt topic ${prefix}/doors/hall/front)`,
      `Reading (mqtt topic ${prefix}/sensors/1/temp)`,
    ]);
    expect(outputs['hot']).toEqual([
      { sensor: 's2', temp: 31 },
      { sensor: 's1', temp: 32 },
      { sensor: 's2', temp: 35 },
      { sensor: 's1', temp: 33 },
    ]);
    expect(outputs['rising']).toEqual([
      { sensor: 's2', first: 31, second: 35 },
      { sensor: 's1', first: 32, second: 33 },
    ]);
    expect(outputs['opened']).toEqual([{ door: 'front' }]);
    expect(outputs['_rejected']).toHaveLength(1);
    expect(outputs['_rejected']![0]!['reason']).toBe(`an event must be a JSON object, not the string "not json {" (mqtt topic ${prefix}/sensors/9/temp)`);

    await source.stop();
    // After stop, nothing more is pushed: by the time the publisher's own subscription has
    // received a message, the broker has handed it to every subscriber it had.
    await publisher.subscribeAsync(`${prefix}/sensors/#`, { qos: 1 });
    const echoed = new Promise((resolve) => publisher.once('message', resolve));
    await publisher.publishAsync(`${prefix}/sensors/1/temp`, JSON.stringify({ sensor: 's1', temp: 40, ts: t0 + 6_000 }), { qos: 1 });
    await echoed;
    expect(pushed).toHaveLength(messages.length - 1);
  });

  it('fails to start when the broker cannot be reached', async () => {
    const source = new MqttSource({ url: 'mqtt://127.0.0.1:1', topics: { x: 'Reading' } });
    await expect(source.start({ push: () => {} })).rejects.toThrow(/^MqttSource: cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
    await source.stop();
  });
});
