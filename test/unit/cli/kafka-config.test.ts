/** Kafka settings of `cepheus serve`: flags over environment over a config file, and clear errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaConfig } from '../../../src/cli/kafka-config.js';

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cepheus-kafka-config-')), 'kafka.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('kafka config', () => {
  it('is undefined when no brokers are given anywhere', () => {
    expect(kafkaConfig({}, {})).toBeUndefined();
  });

  it('takes flags over the environment over the file', () => {
    const config = file({ brokers: ['f:1'], groupId: 'file-group', clientId: 'file-client', exactlyOnce: true, checkpointInterval: '2s', idleTimeout: '3s', sessionTimeout: '7s', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    const fromFile = kafkaConfig({ config }, {});
    expect(fromFile).toEqual({
      settings: { brokers: ['f:1'], clientId: 'file-client', ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' }, sessionTimeoutMs: 7000 },
      options: { groupId: 'file-group', exactlyOnce: true, checkpointIntervalMs: 2000, idleTimeoutMs: 3000 },
    });
    const fromEnv = kafkaConfig({ config }, { CEPHEUS_KAFKA_BROKERS: 'e:1,e:2', CEPHEUS_KAFKA_GROUP: 'env-group', CEPHEUS_KAFKA_PASSWORD: 'secret' });
    expect(fromEnv?.settings.brokers).toEqual(['e:1', 'e:2']);
    expect(fromEnv?.options.groupId).toBe('env-group');
    expect(fromEnv?.settings.sasl?.password).toBe('secret');
    const fromFlags = kafkaConfig({ config, brokers: 'x:9', group: 'g', exactlyOnce: false, checkpointInterval: '250ms' }, { CEPHEUS_KAFKA_BROKERS: 'e:1' });
    expect(fromFlags?.settings.brokers).toEqual(['x:9']);
    expect(fromFlags?.options).toMatchObject({ groupId: 'g', exactlyOnce: false, checkpointIntervalMs: 250 });
  });

  it('says what is wrong', () => {
    expect(() => kafkaConfig({ brokers: 'nohost' }, {})).toThrow(/host:port/);
    expect(() => kafkaConfig({ config: file('{ nope') }, {})).toThrow(/cannot be read/);
    expect(() => kafkaConfig({ brokers: 'a:1', checkpointInterval: 'soon' }, {})).toThrow(/checkpoint interval takes a duration/);
    expect(() => kafkaConfig({ config: file({ brokers: 'a:1', sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }) }, {})).toThrow(/SASL mechanism 'gssapi'/);
    expect(() => kafkaConfig({ config: file({ brokers: 'a:1', sasl: { mechanism: 'plain' } }) }, {})).toThrow(/username and a password/);
  });
});
