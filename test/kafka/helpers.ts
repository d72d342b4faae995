/** What the Kafka tests share: `cepheus run` as the oracle, and reading a topic back. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// Before kafkajs: its read_committed filter is fixed (src/io/kafkajs-read-committed.ts), its
// record encoder and decoder replaced (src/io/kafkajs-record-encoder.ts, -decoder.ts).
import { patched } from '../../src/io/kafkajs-read-committed.js';
import { patched as encoderPatched } from '../../src/io/kafkajs-record-encoder.js';
import { patched as decoderPatched } from '../../src/io/kafkajs-record-decoder.js';
import kafkajs from 'kafkajs';
import { expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');

/** Readers of these tests skip aborted transactions as Kafka's Java consumer does. */
export const readCommittedFixed = patched;
export const recordEncoderReplaced = encoderPatched && decoderPatched;

/** What `cepheus run` prints for `script` over `events` (one stream), before time `before`. */
export function cepheusRun(script: string, stream: string, events: readonly unknown[], before: number): { stream: string; time: number; data: unknown }[] {
  const dir = mkdtempSync(join(tmpdir(), 'cepheus-kafka-'));
  writeFileSync(join(dir, 'script.cql'), script);
  writeFileSync(join(dir, 'input.ndjson'), events.map((e) => JSON.stringify({ stream, data: e })).join('\n') + '\n');
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/cepheus.js'), 'run', join(dir, 'script.cql'), '--input', join(dir, 'input.ndjson')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(run.status).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { stream: string; time: number; data: unknown })
    .filter((e) => e.time < before);
}

export interface ReadMessage {
  readonly time: number;
  readonly data: unknown;
  /** The `cepheus-id` header. */
  readonly id: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * The messages of `topic` (committed ones only: read_committed), read until `enough` says so
 * or `timeoutMs` passes, in partition and offset order.
 */
export async function readTopic(brokers: string, topic: string, enough: number | ((read: readonly ReadMessage[]) => boolean), timeoutMs = 30_000, readUncommitted = false): Promise<ReadMessage[]> {
  const kafka = new kafkajs.Kafka({ brokers: [brokers], clientId: 'reader', logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `reader-${topic}-${Date.now()}-${Math.random()}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: ReadMessage[] = [];
  await consumer.run({
    eachMessage: async ({ partition, message }) =>
      void out.push({
        time: Number(message.headers?.['cepheus-time']?.toString()),
        id: String(message.headers?.['cepheus-id']?.toString()),
        data: JSON.parse(message.value!.toString()),
        partition,
        offset: Number(message.offset),
      }),
  });
  const done = typeof enough === 'number' ? (read: readonly ReadMessage[]) => read.length >= enough : enough;
  const until = Date.now() + timeoutMs;
  while (!done(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
