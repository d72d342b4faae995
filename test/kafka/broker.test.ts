// The test broker itself (broker.mjs): it starts, speaks the Kafka protocol, and stops.
// Starts its own broker rather than using the global setup's, so it runs on its own too.

import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPrerequisites, startBroker, type Broker } from './broker.mjs';

const prerequisites = await checkPrerequisites();
const skipReason = prerequisites.ok || process.env.CI === 'true' ? '' : prerequisites.reason;
const API_VERSIONS = 18;
if (skipReason) console.warn(`Kafka test broker skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('Kafka test broker', () => {
  let broker: Broker;
  let port: number;

  beforeAll(async () => {
    broker = await startBroker();
    port = broker.port;
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  }, 30_000);

  it('gives a 127.0.0.1 bootstrap address', () => {
    expect(broker.bootstrap).toBe(`127.0.0.1:${port}`);
  });

  it('accepts a TCP connection', async () => {
    await expect(connect(port)).resolves.toBe('connected');
  });

  it('answers an ApiVersions v0 request with its correlation id and no error', async () => {
    const clientId = Buffer.from('cepheus-test');
    const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    request.writeInt32BE(request.length - 4, 0); // size
    request.writeInt16BE(API_VERSIONS, 4); // api_key
    request.writeInt16BE(0, 6); // api_version
    request.writeInt32BE(4242, 8); // correlation_id
    request.writeInt16BE(clientId.length, 12); // client_id: int16 length, then bytes
    clientId.copy(request, 14);

    const response = await exchange(port, request);

    expect(response.readInt32BE(0)).toBe(4242); // correlation_id
    expect(response.readInt16BE(4)).toBe(0); // error_code
    // api_keys: int32 count, then (api_key, min_version, max_version) as int16s.
    const count = response.readInt32BE(6);
    const keys = Array.from({ length: count }, (_, i) => response.readInt16BE(10 + 6 * i));
    expect(keys).toContain(API_VERSIONS);
  });

  it('stops, closes its port and removes its folder', async () => {
    await broker.stop();
    await expect(connect(port)).resolves.toBe('ECONNREFUSED');
    expect(existsSync(broker.dir)).toBe(false);
  }, 30_000);
});

/** 'connected', or the error code the connection failed with. */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Sends one size-prefixed request and returns the response without its size prefix. */
function exchange(port: number, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error('no response within 5 s'));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) {
        socket.destroy();
        resolve(received.subarray(4, 4 + received.readInt32BE(0)));
      }
    });
  });
}
