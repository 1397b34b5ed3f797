// ioredis with its defaults (protocol 3, HELLO 3 at connect, RESP2 fallback), or protocol 2 when
// the test passes "resp": 2. Usage: node ioredis.js '{"port":N,"resp":null|2,"user":…,"password":…,"keys":[…]}'
'use strict';
const Redis = require('ioredis');
const { options, protoOf, describeHash, done, fail } = require('./common');

async function main() {
  const config = {
    host: '127.0.0.1',
    port: options.port,
    lazyConnect: true,
    connectTimeout: 10000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // no reconnect: a refused connection fails the check
  };
  if (options.resp) config.protocol = options.resp;
  if (options.user) config.username = options.user;
  if (options.password) config.password = options.password;
  const client = new Redis(config);
  client.on('error', () => {}); // connect() rejects with the error
  await client.connect();
  const results = { library: 'ioredis ' + require('ioredis/package.json').version };
  results.proto = protoOf(await client.call('HELLO'));
  results.clientInfo = String(await client.call('CLIENT', 'INFO'));
  results.set = await client.set(options.keys[0], 'hello world');
  results.get = await client.get(options.keys[0]);
  for (let i = 0; i < options.keys.length; i++) await client.set(options.keys[i], 'value-' + i);
  results.mget = await client.mget([...options.keys, 'no-such-key']);
  await client.hset('client-hash', { f1: 'v1', f2: 'v2', f3: 'v3' });
  results.hgetall = describeHash(await client.hgetall('client-hash'));
  const pipeline = client.pipeline();
  for (let i = 0; i < 100; i++) {
    if (i % 2 === 0) pipeline.set('pipe:' + i, String(i));
    else pipeline.get('pipe:' + (i - 1));
  }
  const replies = await pipeline.exec();
  const errors = replies.filter(([err]) => err);
  if (errors.length > 0) throw errors[0][0];
  results.pipeline = replies.map(([, value]) => value);
  await client.quit();
  done(results);
}

main().catch(fail);
