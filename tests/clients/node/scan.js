// A full SCAN through node-redis (scanIterator) or ioredis (scanStream) with the library's
// defaults (node-redis: RESP3; ioredis: protocol 3 with its fallback); prints every key seen, in
// order, and the cursors the client was handed. Usage: node scan.js '{"port":N,"library":"node-redis"|"ioredis","match":"…"}'
'use strict';
const { options, done, fail } = require('./common');

async function nodeRedis() {
  const { createClient } = require('redis');
  const client = createClient({ socket: { host: '127.0.0.1', port: options.port, reconnectStrategy: false, connectTimeout: 10000 } });
  client.on('error', () => {});
  await client.connect();
  const keys = [];
  const cursors = [];
  // scanIterator, as an application would use it; SCAN itself once more to see a cursor it hands out.
  for await (const batch of client.scanIterator({ MATCH: options.match })) keys.push(...batch);
  let cursor = '0';
  do {
    const reply = await client.scan(cursor, { MATCH: options.match });
    cursor = String(reply.cursor);
    cursors.push(cursor);
  } while (cursor !== '0');
  await client.quit();
  return { library: 'node-redis ' + require('redis/package.json').version, keys, cursors };
}

async function ioredis() {
  const Redis = require('ioredis');
  const client = new Redis({ host: '127.0.0.1', port: options.port, lazyConnect: true, connectTimeout: 10000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  await client.connect();
  const keys = [];
  await new Promise((resolve, reject) => {
    const stream = client.scanStream({ match: options.match });
    stream.on('data', (batch) => keys.push(...batch));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const cursors = [];
  let cursor = '0';
  do {
    [cursor] = await client.scan(cursor, 'MATCH', options.match);
    cursors.push(String(cursor));
  } while (cursor !== '0');
  await client.quit();
  return { library: 'ioredis ' + require('ioredis/package.json').version, keys, cursors };
}

(options.library === 'ioredis' ? ioredis() : nodeRedis()).then(done).catch(fail);
