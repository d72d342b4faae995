/**
 * An MQTT source (MQTT.js): the second worked example of a custom source (docs/connectors.md,
 * "An MQTT source").
 *
 * **Mapping.** `topics` maps MQTT topic filters to source streams:
 * `{ 'sensors/+/temp': 'Reading' }` subscribes to `sensors/+/temp` and pushes each message's
 * payload, parsed as JSON, to `Reading`, with the origin `mqtt topic sensors/3/temp`. A payload
 * that is not JSON is pushed as its text, so the engine rejects it onto `_rejected` with the
 * reason and that origin, and the source goes on. Filters should not overlap: a message goes to
 * the stream of the first filter (in the order given) that its topic matches, and a broker may
 * deliver a message once per matching subscription. Retained messages arrive on subscribing, like
 * any other.
 *
 * **QoS.** Every filter is subscribed with `qos` (default 1): 0 at most once, 1 at least once
 * (a message may come twice), 2 exactly once between the broker and this client. The session is
 * MQTT.js's default clean one, so what is published while this client is away is not kept for it.
 *
 * **Connection.** `url` is anything MQTT.js takes (`mqtt://user:pass@host:1883`, `mqtts://…`,
 * `ws://…`). `start` fails if the first connection fails; after that, a lost connection is
 * retried every second and the filters are subscribed again, as MQTT.js does.
 *
 * **Event time and order.** MQTT has no partitions and no offsets: events arrive on the engine's
 * default input (LANGUAGE.md section 3), their time read from the stream's timestamp column, and
 * they are ordered per topic as the broker delivers them. Nothing is replayed after a restart.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { Source, SourceContext } from '../io/connectors.js';

export interface MqttSourceOptions {
  /** The broker, e.g. `mqtt://127.0.0.1:1883`. */
  readonly url: string;
  /** MQTT topic filter (`+` one level, `#` all below) → the source stream its messages go to. */
  readonly topics: Readonly<Record<string, string>>;
  /** The QoS of the subscriptions; default 1. */
  readonly qos?: 0 | 1 | 2;
  /** The MQTT client id; default a random one (MQTT.js's). */
  readonly clientId?: string;
  /** Connection trouble (errors, going offline, reconnecting) is reported here. */
  readonly log?: (line: string) => void;
}

export class MqttSource implements Source {
  readonly #options: MqttSourceOptions;
  #client: MqttClient | undefined;

  constructor(options: MqttSourceOptions) {
    if (Object.keys(options.topics).length === 0) throw new Error('MqttSource: no topics to subscribe to');
    this.#options = options;
  }

  async start(context: SourceContext): Promise<void> {
    if (this.#client) throw new Error('MqttSource: already started');
    const { url, topics, qos = 1, clientId, log } = this.#options;
    const filters = Object.entries(topics);
    let client: MqttClient;
    try {
      // `false`: the first connection is not retried, so a wrong url fails here.
      client = await connectAsync(url, clientId === undefined ? {} : { clientId }, false);
    } catch (error) {
      throw new Error(`MqttSource: cannot connect to ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    client.on('error', (error) => log?.(`mqtt: ${error.message}`));
    client.on('offline', () => log?.(`mqtt: ${url} is unreachable; reconnecting`));
    client.on('message', (topic, payload) => {
      const stream = filters.find(([filter]) => matches(filter, topic))?.[1];
      if (stream === undefined) return;
      const text = payload.toString('utf8');
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch {
        event = text; // rejected by the engine, with the reason
      }
      context.push(stream, event, `mqtt topic ${topic}`);
    });
    try {
      const granted = await client.subscribeAsync(Object.fromEntries(filters.map(([filter]) => [filter, { qos }])));
      const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
      if (refused.length > 0) throw new Error(`the broker refused ${refused.join(', ')}`);
    } catch (error) {
      await client.endAsync(true);
      throw new Error(`MqttSource: cannot subscribe: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#client = client;
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    client.removeAllListeners('message');
    await client.endAsync();
  }
}

/** Whether an MQTT topic filter matches a topic name (MQTT 3.1.1, section 4.7). */
function matches(filter: string, topic: string): boolean {
  const levels = filter.replace(/^\$share\/[^/]+\//, '').split('/');
  const names = topic.split('/');
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  for (let i = 0; i < levels.length; i++) {
    if (levels[i] === '#') return true;
    if (i >= names.length || (levels[i] !== '+' && levels[i] !== names[i])) return false;
  }
  return levels.length === names.length;
}
