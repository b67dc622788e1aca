// A team's open tabs: the bench users log in and each opens its live-event streams
// (`GET /api/events`), as a browser tab does, reading and dropping what they tell. Prints
// {"open": N} once every stream answered 200, then holds them until it is stopped.
// Usage: node bench/streams.mjs BASE_URL USER_PREFIX USERS PASSWORD STREAMS
import http from 'node:http';

const [base, prefix, count, password, streams] = process.argv.slice(2);
const people = Number(count);
const wanted = Number(streams);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

async function logIn(n) {
  const username = `${prefix}${String(n).padStart(3, '0')}`;
  const body = `username=${username}&password=${encodeURIComponent(password)}`;
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const answer = await new Promise((resolve, reject) => {
    const req = http.request(new URL('/api/login', base), { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end(body);
  });
  const cookie = (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('releasedesk_session='));
  if (answer.statusCode !== 200 || !cookie) throw new Error(`${username} cannot log in: ${answer.statusCode}`);
  return cookie;
}

function open(cookie) {
  return new Promise((resolve, reject) => {
    const headers = { Cookie: cookie, Accept: 'text/event-stream' };
    const req = http.request(new URL('/api/events', base), { agent, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`a stream answered ${res.statusCode}`));
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

const cookies = [];
for (let n = 1; n <= people; n += 10) {
  const batch = Array.from({ length: Math.min(10, people - n + 1) }, (_, k) => logIn(n + k));
  cookies.push(...(await Promise.all(batch)));
}
const opened = await Promise.all(Array.from({ length: wanted }, (_, k) => open(cookies[k % cookies.length])));
console.log(JSON.stringify({ open: opened.length }));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
