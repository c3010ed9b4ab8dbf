// The reference for bench/webhook_ingest: a minimal Zoom webhook receiver of
// the kind Zoom's own Node.js samples are (verify x-zm-signature over
// "v0:{timestamp}:{body}" with HMAC-SHA256, answer endpoint.url_validation,
// answer 200). It stores nothing. Node's standard library only.
//
// With a second argument FILE it is the same sample made durable the plain way:
// each verified event is appended to FILE as one JSON line and fsync'd before
// the 200 (fs.writeSync + fs.fsyncSync, one sync per event, as a careful
// single-process receiver would do without group commit).
//
//   ZOOM_WEBHOOK_SECRET_TOKEN=... node zoom_sample_receiver.js 127.0.0.1:PORT [FILE]
'use strict';
const http = require('http');
const crypto = require('crypto');

const secret = process.env.ZOOM_WEBHOOK_SECRET_TOKEN;
if (!secret) {
  console.error('zoom_sample_receiver: ZOOM_WEBHOOK_SECRET_TOKEN is not set');
  process.exit(2);
}
const [host, port] = (process.argv[2] || '127.0.0.1:4000').split(':');
const fs = require('fs');
const durableFd = process.argv[3] ? fs.openSync(process.argv[3], 'a', 0o600) : null;
if (host !== '127.0.0.1' && host !== 'localhost') {
  console.error('zoom_sample_receiver: loopback only');
  process.exit(2);
}

function reply(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)});
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/webhooks/zoom') {
    return reply(res, 404, {error: 'not found'});
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const ts = req.headers['x-zm-request-timestamp'];
    const sig = req.headers['x-zm-signature'];
    if (!ts || !sig) {
      return reply(res, 401, {message: 'missing signature', status: false});
    }
    const expected = 'v0=' + crypto.createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex');
    const a = Buffer.from(sig);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
      return reply(res, 401, {message: 'bad signature', status: false});
    }
    let body;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      return reply(res, 400, {message: 'malformed body', status: false});
    }
    if (body.event === 'endpoint.url_validation') {
      const plainToken = body.payload.plainToken;
      const encryptedToken = crypto.createHmac('sha256', secret).update(plainToken).digest('hex');
      return reply(res, 200, {plainToken, encryptedToken});
    }
    if (durableFd !== null) {
      fs.writeSync(durableFd, raw.replace(/\n/g, ' ') + '\n');
      fs.fsyncSync(durableFd);
    }
    return reply(res, 200, {message: 'ok', status: true});
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), host, () => console.error(`zoom_sample_receiver: listening on http://${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
