#!/usr/bin/env node
/**
 * Card transactions for trying Cepheus on Kafka (README, "Scale out with Kafka"): creates the
 * topic with the partitions asked for, if it does not exist, and produces JSON events keyed by
 * card, in event-time order, with the card-testing pattern (a tiny charge, then a large one)
 * injected now and then.
 *
 *     node scripts/kafka-produce.mjs --brokers 127.0.0.1:9092 [--topic txns] [--partitions 6]
 *                                    [--count 100000] [--rate 2000]
 */
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.CEPHEUS_KAFKA_BROKERS },
    topic: { type: 'string', default: 'txns' },
    partitions: { type: 'string', default: '6' },
    count: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '2000' },
  },
});
if (!values.brokers) {
  console.error('usage: node scripts/kafka-produce.mjs --brokers HOST:PORT [--topic T] [--partitions N] [--count N] [--rate N per second]');
  process.exit(2);
}
const [count, rate, partitions] = [Number(values.count), Number(values.rate), Number(values.partitions)];
const kafka = new kafkajs.Kafka({ brokers: values.brokers.split(','), clientId: 'cepheus-produce', logLevel: kafkajs.logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(values.topic)) {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: values.topic, numPartitions: partitions }] });
  console.error(`created ${values.topic} with ${partitions} partitions`);
}
await admin.disconnect();

const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
await producer.connect();
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const start = Date.now();
const chunk = Math.max(1, Math.round(rate / 10));
for (let sent = 0; sent < count; sent += chunk) {
  const messages = [];
  for (let i = sent; i < Math.min(count, sent + chunk); i++) {
    const card = `card-${Math.floor(random() * 500)}`;
    const amount = random() < 0.1 ? 0.5 : Math.round(random() * 2000_00) / 100;
    messages.push({ key: card, value: JSON.stringify({ card, amount, ts: start + i * Math.round(1000 / Math.min(rate, 1000)) }) });
  }
  await producer.send({ topic: values.topic, messages });
  // Paced to the rate asked for.
  const due = start + ((sent + chunk) / rate) * 1000;
  if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
}
await producer.disconnect();
console.error(`produced ${count} events to ${values.topic} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
