// The reference for bench/signature_throughput: a Meeting SDK signature endpoint
// shaped like Zoom's own sample (github.com/zoom/meetingsdk-auth-endpoint-sample,
// an Express server): POST / with {meetingNumber, role[, expirationSeconds]}
// (role and expirationSeconds may be strings of digits), the same checks
// (role 0 or 1, expirationSeconds 1800..172800, meetingNumber and role both or
// neither), and the answer {signature} where the signature is an HS256 JWT with
// header {"alg":"HS256","typ":"JWT"} and payload {appKey, sdkKey, mn, role, iat,
// exp, tokenExp}, exp = iat + expirationSeconds or 2 hours. Like the sample it
// authenticates nobody and looks nothing up. Node's standard library only
// (node:http, node:crypto) instead of Express and jsrsasign, so it is lighter
// than the sample itself. CORS headers as the sample's cors() middleware sends.
//
//   ZOOM_SDK_KEY=... ZOOM_SDK_SECRET=... node zoom_sample_signature.js 127.0.0.1:PORT
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');

const sdkKey = process.env.ZOOM_SDK_KEY;
const sdkSecret = process.env.ZOOM_SDK_SECRET;
if (!sdkKey || !sdkSecret) {
  console.error('zoom_sample_signature: ZOOM_SDK_KEY and ZOOM_SDK_SECRET must be set');
  process.exit(2);
}
const [host, port] = (process.argv[2] || '127.0.0.1:4000').split(':');
if (host !== '127.0.0.1' && host !== 'localhost') {
  console.error('zoom_sample_signature: loopback only');
  process.exit(2);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function sign(header, payload, secret) {
  const input = b64url(JSON.stringify(header)) + '.' + b64url(payload);
  return input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
}

function inNumberArray(allowed) {
  return (property, value) => {
    if (typeof value === 'undefined') return undefined;
    if (typeof value !== 'number' || isNaN(value)) {
      return {property, reason: `Value ${value} not allowed, must be of type number`};
    }
    if (!allowed.includes(value)) {
      return {property, reason: `Value is not valid. Got ${value}, expected ${allowed}`};
    }
    return undefined;
  };
}

function isBetween(min, max) {
  return (property, value) => {
    if (typeof value === 'undefined') return undefined;
    if (typeof value !== 'number' || isNaN(value)) {
      return {property, reason: `Value ${value} not allowed, must be of type number`};
    }
    if (value < min || value > max) return {property, reason: `Value must in between ${min} and ${max}`};
    return undefined;
  };
}

const propValidations = {role: inNumberArray([0, 1]), expirationSeconds: isBetween(1800, 172800)};

function validate(body) {
  const errors = [];
  const present = ['meetingNumber', 'role'].filter((k) => typeof body[k] !== 'undefined');
  if (present.length === 1) {
    errors.push({
      property: '$schema',
      reason: 'If one of the following properties is present, all or none must be present: meetingNumber, role',
    });
  }
  for (const [property, check] of Object.entries(propValidations)) {
    const e = check(property, body[property]);
    if (e) errors.push(e);
  }
  return errors;
}

function reply(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Access-Control-Allow-Origin': '*',
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/') {
    return reply(res, 404, {error: 'not found'});
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let raw;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch (e) {
      return reply(res, 400, {errors: [{property: 'body', reason: 'malformed JSON'}]});
    }
    const body = {...raw};
    for (const k of ['role', 'expirationSeconds']) {
      if (typeof body[k] === 'string') body[k] = parseInt(body[k], 10);
    }
    const errors = validate(body);
    if (errors.length > 0) return reply(res, 400, {errors});
    const {meetingNumber, role, expirationSeconds} = body;
    const iat = Math.floor(Date.now() / 1000);
    const exp = expirationSeconds ? iat + expirationSeconds : iat + 2 * 60 * 60;
    const payload = JSON.stringify({appKey: sdkKey, sdkKey, mn: meetingNumber, role, iat, exp, tokenExp: exp});
    return reply(res, 200, {signature: sign({alg: 'HS256', typ: 'JWT'}, payload, sdkSecret)});
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), host, () => console.error(`zoom_sample_signature: listening on http://${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
