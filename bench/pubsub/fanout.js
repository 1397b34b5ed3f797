// Pub/sub fan-out through a proxy (docs/performance.md, "Pub/sub fan-out"): N subscriber
// connections on one channel, one publisher. Raw sockets, no client library, fixed-size frames.
// The N bulk subscribers live in --workers child processes (this file with --role bulk), which
// only count and check what they receive; the latency is taken by --probes more subscribers in
// this process, which is otherwise idle, so a probe's clock reading is not queued behind
// thousands of other sockets' events in the same Node.js loop.
// Phase 1 (memory, connections): subscribe all, then read the proxy's RSS (/proc) and ask the
// server how many subscriptions the channel has. Phase 2 (latency): M messages paced at --rate per
// second, each carrying its send time (CLOCK_MONOTONIC, shared by the processes); the probes'
// deliveries go into a histogram. Phase 3 (throughput): B messages published back to back;
// deliveries per second until every subscriber has all. Every subscriber must receive every
// message, in order (sequence numbers), or the run fails.
// Usage: node fanout.js --port P --server-port S --proxy-pid PID [--subscribers 10000]
//   [--messages 50] [--rate 20] [--burst 200] [--payload 64] [--probes 20] [--workers 2]
'use strict';
const net = require('net');
const fs = require('fs');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (i % 2 ? a : [...a, [v.replace(/^--/, ''), all[i + 1]]]), []));
const PORT = Number(args.port);
const SERVER = Number(args['server-port']);
const PID = Number(args['proxy-pid']);
const N = Number(args.subscribers ?? 10000);
const M = Number(args.messages ?? 50);
const RATE = Number(args.rate ?? 20);
const BURST = Number(args.burst ?? 200);
const PAYLOAD = Math.max(32, Number(args.payload ?? 64));
const CHANNEL = 'bench';
const ROLE = args.role ?? 'main';
const PROBES = Number(args.probes ?? 20);
const WORKERS = Number(args.workers ?? 2);

const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${PID}/status`, 'utf8'))[1]);
const cpuTicks = () => { const f = fs.readFileSync(`/proc/${PID}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
const now = () => process.hrtime.bigint();
const bulk = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const command = (...a) => `*${a.length}\r\n${a.map(bulk).join('')}`;
// --idle 1: the clients only PING (the proxy's memory per plain idle client, for comparison).
const IDLE = args.idle === '1';
const confirmation = IDLE ? Buffer.from('+PONG\r\n') : Buffer.from(`*3\r\n${bulk('subscribe')}${bulk(CHANNEL)}:1\r\n`);
// Payload: 8-digit sequence, 20-digit send time (ns), filler: every frame has the same length.
const payload = (seq, t) => (String(seq).padStart(8, '0') + String(t).padStart(20, '0')).padEnd(PAYLOAD, 'x');
const frameLength = Buffer.byteLength(`*3\r\n${bulk('message')}${bulk(CHANNEL)}${bulk(payload(0, 0n))}`);
const payloadOffset = frameLength - PAYLOAD - 2;

// Latency histogram in microseconds: 1 µs buckets to 1 ms, then 10 µs to 100 ms, then 1 ms to 10 s.
const hist = new Float64Array(1000 + 9900 + 9900 + 1);
function record(us) {
  const i = us < 1000 ? Math.floor(us) : us < 100000 ? 1000 + Math.floor((us - 1000) / 10) : us < 10000000 ? 10900 + Math.floor((us - 100000) / 1000) : hist.length - 1;
  hist[Math.max(0, i)]++;
}
function bucketValue(i) { return i < 1000 ? i : i < 10900 ? 1000 + (i - 1000) * 10 : 100000 + (i - 10900) * 1000; }
function percentile(p) {
  const total = hist.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) { seen += hist[i]; if (seen >= total * p) return bucketValue(i); }
  return NaN;
}

let delivered = 0;
let errors = 0;
let recording = false;
const subscribers = [];

function subscribe(index) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(PORT, '127.0.0.1');
    const state = { socket, buffer: Buffer.alloc(0), confirmed: false, next: 0 };
    socket.setNoDelay(true);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(IDLE ? command('PING') : command('SUBSCRIBE', CHANNEL)));
    socket.on('data', (chunk) => {
      state.buffer = state.buffer.length ? Buffer.concat([state.buffer, chunk]) : chunk;
      let at = 0;
      if (!state.confirmed) {
        if (state.buffer.length < confirmation.length) return;
        if (!state.buffer.subarray(0, confirmation.length).equals(confirmation)) { errors++; reject(new Error('bad confirmation')); return; }
        state.confirmed = true;
        at = confirmation.length;
        resolve(state);
      }
      const t = now();
      while (state.buffer.length - at >= frameLength) {
        const seq = Number(state.buffer.toString('latin1', at + payloadOffset, at + payloadOffset + 8));
        const sent = BigInt(state.buffer.toString('latin1', at + payloadOffset + 8, at + payloadOffset + 28));
        if (seq !== state.next) errors++;
        state.next = seq + 1;
        if (recording) record(Number(t - sent) / 1000);
        delivered++;
        at += frameLength;
      }
      state.buffer = at === state.buffer.length ? Buffer.alloc(0) : state.buffer.subarray(at);
    });
  });
}

function call(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let data = '';
    s.on('data', (d) => { data += d.toString('latin1'); if (data.endsWith('\r\n')) { s.end(); resolve(data); } });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(condition, ms) {
  const deadline = Date.now() + ms;
  while (!condition()) { if (Date.now() > deadline) return false; await sleep(5); }
  return true;
}

async function subscribeAll(count, onBatch) {
  for (let i = 0; i < count; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(subscribe(j));
    subscribers.push(...(await Promise.all(batch)));
    if (onBatch) onBatch();
  }
}

// A child: subscribes its share, says so, then reports its deliveries when asked to wait for a total.
async function runBulk() {
  await subscribeAll(N, () => process.send({ progress: true }));
  process.send({ ready: true });
  process.on('message', async (m) => {
    if (m.waitFor !== undefined) {
      await until(() => delivered >= m.waitFor, 120000);
      process.send({ delivered, errors, inOrder: subscribers.every((s) => s.next === m.next) });
    } else if (m.exit) {
      for (const s of subscribers) s.socket.destroy();
      process.exit(0);
    }
  });
}

async function main() {
  const result = { subscribers: N, probes: PROBES, payloadBytes: PAYLOAD };
  const rssBefore = rssKiB();
  const start = Date.now();
  const { fork } = require('child_process');
  const children = [];
  const probing = [];
  let probesStarted = 0;
  for (let w = 0; w < WORKERS; w++) {
    const share = Math.floor(N / WORKERS) + (w < N % WORKERS ? 1 : 0);
    const child = fork(__filename, [...process.argv.slice(2), '--role', 'bulk', '--subscribers', String(share)]);
    children.push(new Promise((resolve, reject) => {
      // The probes are subscribed one per batch of bulk subscribers, so they sit spread through
      // the subscriber lists (a server or proxy that writes its clients in subscription order
      // would otherwise reach the probes first, or last, and bias the latency).
      child.on('message', (m) => {
        if (m.progress && probesStarted < PROBES) { probesStarted++; probing.push(subscribe(-1)); }
        if (m.ready) resolve(child);
      });
      child.once('exit', (code) => reject(new Error('bulk child exited ' + code)));
    }));
  }
  const bulkChildren = await Promise.all(children);
  subscribers.push(...(await Promise.all(probing)));
  await subscribeAll(PROBES - probesStarted);
  result.subscribeSeconds = (Date.now() - start) / 1000;
  const childrenDelivered = (perChild, next) => Promise.all(bulkChildren.map((c) => new Promise((resolve) => {
    c.once('message', resolve);
    c.send({ waitFor: perChild(c), next });
  })));
  await sleep(1000);
  const rssAfter = rssKiB();
  result.proxyRssBeforeMiB = +(rssBefore / 1024).toFixed(1);
  result.proxyRssAfterMiB = +(rssAfter / 1024).toFixed(1);
  result.proxyBytesPerSubscriber = Math.round(((rssAfter - rssBefore) * 1024) / (N + PROBES));
  if (IDLE) {
    for (const c of bulkChildren) c.send({ exit: true });
    process.stdout.write(JSON.stringify({ idleClients: N + PROBES, proxyRssBeforeMiB: result.proxyRssBeforeMiB, proxyRssAfterMiB: result.proxyRssAfterMiB, proxyBytesPerIdleClient: result.proxyBytesPerSubscriber }) + '\n');
    process.exit(0);
  }
  const numsub = await call(SERVER, command('PUBSUB', 'NUMSUB', CHANNEL));
  result.backendSubscriptions = Number(/:(\d+)\r\n$/.exec(numsub)[1]);

  const publisher = await new Promise((resolve, reject) => { const s = net.connect(PORT, '127.0.0.1', () => resolve(s)); s.on('error', reject); });
  publisher.setNoDelay(true);
  let publishReplies = 0;
  publisher.on('data', (d) => { publishReplies += (d.toString('latin1').match(/\r\n/g) || []).length; });
  let seq = 0;

  // Latency: paced.
  recording = true;
  const paced = Date.now();
  for (let i = 0; i < M; i++) {
    const due = paced + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    publisher.write(command('PUBLISH', CHANNEL, payload(seq++, now())));
  }
  if (!(await until(() => delivered >= PROBES * M, 60000))) errors++;
  recording = false;
  result.latencyMessages = M;
  result.latencyRatePerSecond = RATE;
  result.latencyP50us = percentile(0.5);
  result.latencyP99us = percentile(0.99);
  result.latencyMaxUs = percentile(1);

  // Throughput: back to back.
  const before = delivered;
  const cpu0 = cpuTicks();
  const t0 = now();
  let text = '';
  for (let i = 0; i < BURST; i++) text += command('PUBLISH', CHANNEL, payload(seq++, now()));
  publisher.write(text);
  const shares = new Map(bulkChildren.map((c, w) => [c, (Math.floor(N / WORKERS) + (w < N % WORKERS ? 1 : 0)) * (M + BURST)]));
  if (!(await until(() => delivered >= before + PROBES * BURST, 120000))) errors++;
  const reports = await childrenDelivered((c) => shares.get(c), seq);
  const seconds = Number(now() - t0) / 1e9;
  const cpu = (cpuTicks() - cpu0) / 100;
  const bulkDelivered = reports.reduce((a, r) => a + r.delivered, 0);
  const burstDeliveries = PROBES * BURST + (bulkDelivered - N * M);
  result.burstMessages = BURST;
  result.deliveriesPerSecond = Math.round(burstDeliveries / seconds);
  result.proxyCpuSecondsPerMillionDeliveries = +((cpu * 1e6) / burstDeliveries).toFixed(2);
  errors += reports.reduce((a, r) => a + r.errors + (r.inOrder ? 0 : 1), 0);
  await until(() => publishReplies >= M + BURST, 10000);
  result.publishReplies = publishReplies;
  result.delivered = delivered + bulkDelivered;
  result.errors = errors + (result.delivered === (N + PROBES) * (M + BURST) ? 0 : 1);
  for (const c of bulkChildren) c.send({ exit: true });
  for (const s of subscribers) s.socket.destroy();
  publisher.destroy();
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.errors ? 2 : 0);
}

(ROLE === "bulk" ? runBulk() : main()).catch((e) => { process.stderr.write('FAILED: ' + (e.stack || e) + '\n'); process.exit(1); });
