// node-redis (npm "redis") pub/sub with its defaults (RESP3), or RESP2 when the test passes
// "resp": 2: a fan-out of one channel to 20 subscriber connections, a pattern and a shard channel.
// Usage: node node-redis-pubsub.js '{"port":N,"resp":null|2,…}'
'use strict';
const { createClient } = require('redis');
const { options, done, fail } = require('./common');
const { fanOut } = require('./pubsub-common');

async function connect() {
  const config = { socket: { host: '127.0.0.1', port: options.port, reconnectStrategy: false, connectTimeout: 10000 } };
  if (options.resp) config.RESP = options.resp;
  const client = createClient(config);
  client.on('error', () => {});
  await client.connect();
  return client;
}

fanOut({
  library: 'node-redis ' + require('redis/package.json').version,
  connect,
  subscribe: (client, channel, onMessage) => client.subscribe(channel, (message, ch) => onMessage(ch, message)),
  pSubscribe: (client, pattern, onMessage) => client.pSubscribe(pattern, (message, ch) => onMessage(ch, message)),
  sSubscribe: (client, channel, onMessage) => client.sSubscribe(channel, (message, ch) => onMessage(ch, message)),
  publish: (client, channel, message) => client.publish(channel, message),
  sPublish: (client, channel, message) => client.sPublish(channel, message),
  unsubscribe: (client, channel) => client.unsubscribe(channel),
  pUnsubscribe: (client, pattern) => client.pUnsubscribe(pattern),
  sUnsubscribe: (client, channel) => client.sUnsubscribe(channel),
  close: (client) => client.quit(),
}).then(done, fail);
