/**
 * Kafka settings for `cepheus serve`: from the command line, then the environment, then a JSON
 * config file — the first that gives a setting wins. Brokers, client id and group id, security
 * (TLS, SASL) and the delivery mode never come from a script.
 *
 *     {
 *       "brokers": ["kafka-1:9093", "kafka-2:9093"],
 *       "clientId": "cepheus-fraud", "groupId": "fraud",
 *       "ssl": true,
 *       "sasl": { "mechanism": "scram-sha-512", "username": "cepheus", "password": "…" },
 *       "exactlyOnce": true, "checkpointInterval": "1s", "idleTimeout": "5s", "sessionTimeout": "10s"
 *     }
 *
 * Environment: CEPHEUS_KAFKA_BROKERS, CEPHEUS_KAFKA_GROUP, CEPHEUS_KAFKA_CLIENT_ID,
 * CEPHEUS_KAFKA_CONFIG (the file), CEPHEUS_KAFKA_USERNAME and CEPHEUS_KAFKA_PASSWORD (SASL).
 */
import { readFileSync } from 'node:fs';
import type { KafkaConnectorOptions } from '../connect/kafka-connector.js';
import type { KafkaSettings } from '../io/kafka.js';
import { parseDuration } from './run.js';

export interface KafkaFlags {
  readonly brokers?: string | undefined;
  readonly group?: string | undefined;
  readonly clientId?: string | undefined;
  readonly config?: string | undefined;
  readonly exactlyOnce?: boolean | undefined;
  readonly checkpointInterval?: string | undefined;
}

export type KafkaConfig = { readonly settings: KafkaSettings; readonly options: KafkaConnectorOptions } | undefined;

const SASL = new Set(['plain', 'scram-sha-256', 'scram-sha-512']);

/** The Kafka configuration, undefined when no brokers are given anywhere; throws with what is wrong. */
export function kafkaConfig(flags: KafkaFlags, env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const file = flags.config ?? env['CEPHEUS_KAFKA_CONFIG'];
  let json: Record<string, unknown> = {};
  if (file !== undefined) {
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`the Kafka config file ${file} cannot be read: ${(e as Error).message}`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`the Kafka config file ${file} must hold a JSON object`);
  }
  const fromFile = (key: string): unknown => json[key];
  const brokersValue = flags.brokers ?? env['CEPHEUS_KAFKA_BROKERS'] ?? fromFile('brokers');
  if (brokersValue === undefined) return undefined;
  const brokers = (Array.isArray(brokersValue) ? brokersValue.map(String) : String(brokersValue).split(',')).map((b) => b.trim()).filter((b) => b !== '');
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) throw new Error(`Kafka brokers are host:port, comma separated, not '${String(brokersValue)}'`);
  const clientId = flags.clientId ?? env['CEPHEUS_KAFKA_CLIENT_ID'] ?? (fromFile('clientId') as string | undefined) ?? 'cepheus';
  const groupId = flags.group ?? env['CEPHEUS_KAFKA_GROUP'] ?? (fromFile('groupId') as string | undefined) ?? 'cepheus';
  const ssl = fromFile('ssl');
  if (ssl !== undefined && typeof ssl !== 'boolean' && (ssl === null || typeof ssl !== 'object')) throw new Error('"ssl" is true, false or an object of TLS options (ca, cert, key, rejectUnauthorized)');
  let sasl: KafkaSettings['sasl'];
  const saslValue = fromFile('sasl') as Record<string, unknown> | undefined;
  if (saslValue !== undefined || env['CEPHEUS_KAFKA_USERNAME'] !== undefined) {
    const mechanism = String(saslValue?.['mechanism'] ?? 'plain').toLowerCase();
    if (!SASL.has(mechanism)) throw new Error(`SASL mechanism '${mechanism}' is not one of ${[...SASL].join(', ')}`);
    const username = env['CEPHEUS_KAFKA_USERNAME'] ?? saslValue?.['username'];
    const password = env['CEPHEUS_KAFKA_PASSWORD'] ?? saslValue?.['password'];
    if (typeof username !== 'string' || typeof password !== 'string') throw new Error('SASL needs a username and a password');
    sasl = { mechanism: mechanism as 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password };
  }
  const duration = (name: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    const ms = typeof value === 'number' ? value : parseDuration(String(value));
    if (ms === undefined || !(ms > 0)) throw new Error(`${name} takes a duration such as 500ms or 5s, not '${String(value)}'`);
    return ms;
  };
  const checkpointIntervalMs = duration('the checkpoint interval', flags.checkpointInterval ?? fromFile('checkpointInterval'));
  const idleTimeoutMs = duration('the idle timeout', fromFile('idleTimeout'));
  const sessionTimeoutMs = duration('the session timeout', fromFile('sessionTimeout'));
  const exactlyOnce = flags.exactlyOnce ?? (fromFile('exactlyOnce') as boolean | undefined) ?? false;
  return {
    settings: { brokers, clientId, ...(ssl !== undefined ? { ssl: ssl as KafkaSettings['ssl'] } : {}), ...(sasl ? { sasl } : {}), ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}) },
    options: { groupId, exactlyOnce, ...(checkpointIntervalMs !== undefined ? { checkpointIntervalMs } : {}), ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}) },
  };
}
