// 200 people confirm the assignment of the same task at the same moment: exactly one may
// win. Each bench user logs in first and opens its own connection, so the burst measures
// the captures only. Before it, the same 200 ask for a static file at once: that burst's
// times are the floor this client and the server's HTTP layer set on this machine, with no
// session, no database and no rule. Then they capture another release's task at once: the
// first captures a server makes run statements its database connections have not run yet
// (planned on first use, on each connection), which that burst's figures (cold_*) show;
// the burst measured comes after it, as the other phases' runs come after their warm-up.
// Prints {"winners", "refused", "other", "p50_ms", "p99_ms", "floor_p50_ms",
// "floor_p99_ms", "cold_winners", "cold_p50_ms", "cold_p99_ms"} as JSON.
// Usage: node bench/capture.mjs BASE_URL RELEASE_ID WARM_UP_RELEASE_ID USER_PREFIX COUNT PASSWORD
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [base, release, warmUpRelease, prefix, count, password] = process.argv.slice(2);
const people = Number(count);
const agent = new http.Agent({ keepAlive: true, maxSockets: people });

function send(method, path, { cookie, type, body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (cookie) headers.Cookie = cookie;
    if (type) headers['Content-Type'] = type;
    // Each clock starts when its request has been handed to the system ('finish'), not when
    // it was made: the 200 requests are made in one loop of this one process, and the last
    // one's write waits 6-20 ms behind the others' on this machine: the client's own time.
    let sent = performance.now();
    const req = http.request(new URL(path, base), { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, ms: performance.now() - sent }));
    });
    req.on('finish', () => { sent = performance.now(); });
    req.on('error', reject);
    req.end(body);
  });
}

async function logIn(n) {
  const username = `${prefix}${String(n).padStart(3, '0')}`;
  const answer = await send('POST', '/api/login', {
    type: 'application/x-www-form-urlencoded',
    body: `username=${username}&password=${encodeURIComponent(password)}`,
  });
  const cookie = (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('releasedesk_session='));
  if (answer.status !== 200 || !cookie) throw new Error(`${username} cannot log in: ${answer.status}`);
  return cookie;
}

const cookies = [];
for (let n = 1; n <= people; n += 10) {
  const batch = Array.from({ length: Math.min(10, people - n + 1) }, (_, k) => logIn(n + k));
  cookies.push(...(await Promise.all(batch)));
}
// One open connection per person before the bursts.
await Promise.all(cookies.map((cookie) => send('GET', '/favicon.svg', { cookie })));

const at = (times, q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
const percentiles = (answers) => {
  const times = answers.map((a) => a.ms).sort((a, b) => a - b);
  return [+at(times, 0.5).toFixed(3), +at(times, 0.99).toFixed(3)];
};
const floor = await Promise.all(cookies.map((cookie) => send('GET', '/favicon.svg', { cookie })));
if (floor.some((a) => a.status !== 200)) throw new Error('the static file was not served to everyone');
const [floorP50, floorP99] = percentiles(floor);

const burst = (id) => {
  const body = JSON.stringify({ id: Number(id) });
  return Promise.all(cookies.map((cookie) => send('POST', '/api/capture_task', { cookie, type: 'application/json', body })));
};
const won = (answers) => answers.filter((a) => a.status === 200).length;
const cold = await burst(warmUpRelease);
const [coldP50, coldP99] = percentiles(cold);
const answers = await burst(release);
const [p50, p99] = percentiles(answers);
const winners = won(answers);
const refused = answers.filter((a) => a.status === 409).length;
console.log(JSON.stringify({
  winners, refused, other: answers.length - winners - refused, p50_ms: p50, p99_ms: p99,
  floor_p50_ms: floorP50, floor_p99_ms: floorP99,
  cold_winners: won(cold), cold_p50_ms: coldP50, cold_p99_ms: coldP99,
}));
agent.destroy();
