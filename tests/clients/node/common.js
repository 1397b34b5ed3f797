// Shared by the client scripts: the options the test passes (one JSON argument), the checks'
// commands, and one JSON line of results on stdout (the integration test asserts on it).
'use strict';

const options = JSON.parse(process.argv[2]);

// HELLO with no arguments answers the connection's current protocol: a map in RESP3 (an object or
// a Map, depending on the client), a flat [key, value, …] array in RESP2.
function protoOf(hello) {
  if (hello instanceof Map) return Number(hello.get('proto'));
  if (Array.isArray(hello)) {
    const i = hello.findIndex((x) => String(x) === 'proto');
    return Number(hello[i + 1]);
  }
  return Number(hello.proto);
}

// The client-level type of HGETALL's reply and its entries as a plain object.
function describeHash(h) {
  const kind = h instanceof Map ? 'Map' : Array.isArray(h) ? 'Array' : typeof h === 'object' && h !== null ? 'Object' : typeof h;
  const entries = h instanceof Map ? Object.fromEntries(h) : h;
  return { kind, entries };
}

function done(results) {
  process.stdout.write(JSON.stringify(results) + '\n');
}

function fail(error) {
  process.stderr.write('FAILED: ' + (error && error.stack ? error.stack : String(error)) + '\n');
  process.exit(1);
}

// Bounded: a client that never connects or never answers must not hang the test.
setTimeout(() => fail(new Error('timed out after 60 s')), 60000).unref();

module.exports = { options, protoOf, describeHash, done, fail };
