// node-redis (npm "redis") with its defaults (RESP3, HELLO 3 at connect), or RESP2 when the test
// passes "resp": 2. Usage: node node-redis.js '{"port":N,"resp":null|2,"user":…,"password":…,"keys":[…]}'
'use strict';
const { createClient } = require('redis');
const { options, protoOf, describeHash, done, fail } = require('./common');

async function main() {
  const config = { socket: { host: '127.0.0.1', port: options.port, reconnectStrategy: false, connectTimeout: 10000 } };
  if (options.resp) config.RESP = options.resp;
  if (options.user) config.username = options.user;
  if (options.password) config.password = options.password;
  const client = createClient(config);
  client.on('error', () => {}); // connect() rejects with the error; the listener only keeps it from being thrown twice
  await client.connect();
  const results = { library: 'node-redis ' + require('redis/package.json').version };
  results.proto = protoOf(await client.sendCommand(['HELLO']));
  results.clientInfo = String(await client.sendCommand(['CLIENT', 'INFO']));
  results.set = await client.set(options.keys[0], 'hello world');
  results.get = await client.get(options.keys[0]);
  for (let i = 0; i < options.keys.length; i++) await client.set(options.keys[i], 'value-' + i);
  results.mget = await client.mGet([...options.keys, 'no-such-key']);
  await client.hSet('client-hash', { f1: 'v1', f2: 'v2', f3: 'v3' });
  results.hgetall = describeHash(await client.hGetAll('client-hash'));
  // The reply as it came off the wire (no command transform): a map in RESP3, a flat array in RESP2.
  results.hgetallRaw = describeHash(await client.sendCommand(['HGETALL', 'client-hash'])).kind;
  const pipeline = client.multi();
  for (let i = 0; i < 100; i++) {
    if (i % 2 === 0) pipeline.set('pipe:' + i, String(i));
    else pipeline.get('pipe:' + (i - 1));
  }
  results.pipeline = await pipeline.execAsPipeline();
  await client.quit();
  done(results);
}

main().catch(fail);
