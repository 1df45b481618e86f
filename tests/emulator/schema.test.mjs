// Representative 200 bodies against Cisco's published OpenAPI schemas (webex-openapi/webex-subset.json).
// For each path and method the schema is the one its 200 response references; every field the schema
// marks as required must be present, and every top-level field the body carries must have the schema's
// type (and be one of its enum values, when it has some). The messaging schemas (Person, Room,
// Membership, Message, Webhook) mark no field as required, so for them the type and enum checks are
// what can fail; the fields webex-api.md lists for each object are asserted in the other test files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator, startReceiver, jwtGuest, DEFAULT_GUEST_ISSUER } from './lib.mjs';

const SPEC_CANDIDATES = [
  process.env.WEBEX_OPENAPI_SUBSET,
  // shared/ sits beside the repository's checkout.
  fileURLToPath(new URL('../../../shared/webex-openapi/webex-subset.json', import.meta.url)),
  '/work/shared/webex-openapi/webex-subset.json',
].filter(Boolean);
const specPath = SPEC_CANDIDATES.find((p) => existsSync(p));
const spec = specPath ? JSON.parse(readFileSync(specPath, 'utf8')) : undefined;

// Required fields of the meeting schema that belong to scheduled meetings only: an ad hoc space
// meeting has no time zone of its own, no dial-in (telephony) block and no breakout-session setting.
const AD_HOC_MEETING_SKIPS = new Set(['timezone', 'telephony', 'enabledBreakoutSessions']);

function schemaFor(path, method) {
  const op = spec.paths[path]?.[method];
  assert.ok(op, `spec has no ${method.toUpperCase()} ${path}`);
  const content = op.responses['200']?.content;
  assert.ok(content, `spec has no 200 body for ${method.toUpperCase()} ${path}`);
  const ref = Object.values(content)[0].schema.$ref;
  assert.ok(ref, `200 body of ${method.toUpperCase()} ${path} is not a $ref`);
  const name = ref.split('/').at(-1);
  return { name, schema: spec.components.schemas[name] };
}

function typeMatches(value, type) {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'number': return typeof value === 'number';
    case 'integer': return Number.isInteger(value);
    case 'array': return Array.isArray(value);
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    default: return true;
  }
}

function checkBody(path, method, body, { skip = new Set() } = {}) {
  const { name, schema } = schemaFor(path, method);
  const problems = [];
  for (const field of schema.required ?? []) {
    if (skip.has(field)) continue;
    if (body[field] === undefined) problems.push(`missing required ${field}`);
  }
  for (const [field, value] of Object.entries(body)) {
    const prop = schema.properties?.[field];
    if (!prop) continue; // extra fields are allowed
    if (value === null) {
      problems.push(`${field} is null (optional fields are omitted, not null)`);
      continue;
    }
    if (prop.type && !typeMatches(value, prop.type)) problems.push(`${field} should be ${prop.type}: ${JSON.stringify(value)}`);
    if (prop.enum && !prop.enum.includes(value)) problems.push(`${field}=${JSON.stringify(value)} not in ${JSON.stringify(prop.enum)}`);
    if (prop.type === 'array' && prop.items?.type && Array.isArray(value)) {
      for (const item of value) if (!typeMatches(item, prop.items.type)) problems.push(`${field}[] should hold ${prop.items.type}`);
    }
  }
  assert.deepEqual(problems, [], `${method.toUpperCase()} ${path} vs ${name}`);
  return schema;
}

let em;
let rx;
before(async () => {
  if (!spec) return;
  em = await startEmulator();
  rx = await startReceiver();
});
after(async () => {
  await em?.stop();
  await rx?.close();
});

test('representative 200 bodies carry what the published schemas require', { skip: spec ? false : 'webex-subset.json not found' }, async () => {
  const ada = await em.person('Ada Lovelace');
  const bob = await em.person('Bob Builder');
  const t = ada.accessToken;
  const guest = await jwtGuest(em, DEFAULT_GUEST_ISSUER, 'schema-guest', 'Schema Guest');

  checkBody('/people/me', 'get', await em.ok('GET', '/v1/people/me', { token: t }));
  checkBody('/people/{personId}', 'get', await em.ok('GET', `/v1/people/${bob.id}`, { token: t }));
  checkBody('/people/me', 'get', guest.person);

  const room = await em.room(t, 'Schema room');
  checkBody('/rooms', 'post', room);
  checkBody('/rooms/{roomId}', 'get', await em.ok('GET', `/v1/rooms/${room.id}`, { token: t }));

  const membership = await em.addMember(t, room.id, bob.id);
  checkBody('/memberships', 'post', membership);
  checkBody('/memberships/{membershipId}', 'get', await em.ok('GET', `/v1/memberships/${membership.id}`, { token: t }));

  const message = await em.message(t, room.id, 'schema');
  checkBody('/messages', 'post', message);
  checkBody('/messages/{messageId}', 'get', await em.ok('GET', `/v1/messages/${message.id}`, { token: t }));
  const direct = await em.ok('POST', '/v1/messages', { token: t, json: { toPersonId: bob.id, markdown: '*hi*' } });
  checkBody('/messages', 'post', direct);

  const webhook = await em.ok('POST', '/v1/webhooks', {
    token: t, json: { name: 'schema', targetUrl: rx.url, resource: 'messages', event: 'created', secret: 's' },
  });
  checkBody('/webhooks', 'post', webhook);
  checkBody('/webhooks/{webhookId}', 'get', await em.ok('GET', `/v1/webhooks/${webhook.id}`, { token: t }));

  const meeting = await em.ok('POST', '/v1/meetings', { token: t, json: { roomId: room.id, adhoc: true } });
  const meetingSchema = checkBody('/meetings', 'post', meeting, { skip: AD_HOC_MEETING_SKIPS });
  assert.ok(meetingSchema.required.length > AD_HOC_MEETING_SKIPS.size, 'the meeting schema should require more than the skipped fields');
  checkBody('/meetings/{meetingId}', 'get', await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: t }), { skip: AD_HOC_MEETING_SKIPS });
  const join = await em.ok('POST', '/v1/meetings/join', { token: t, json: { meetingId: meeting.id, joinDirectly: false } });
  checkBody('/meetings/join', 'post', join);

  // endMeeting answers 204 with no body; an ended meeting still reads as the schema says.
  const endOp = spec.paths['/meetings/{meetingId}/end']?.post;
  assert.ok(endOp?.responses['204'], 'spec has no 204 for POST /meetings/{meetingId}/end');
  assert.equal(endOp.responses['200'], undefined);
  const end = await em.post(`/v1/meetings/${meeting.id}/end`, { token: t, json: { reason: 'Schema check.' } });
  assert.equal(end.status, 204, end.text);
  assert.equal(end.text, '');
  const ended = await em.ok('GET', `/v1/meetings/${meeting.id}`, { token: t });
  assert.equal(ended.state, 'ended');
  checkBody('/meetings/{meetingId}', 'get', ended, { skip: AD_HOC_MEETING_SKIPS });
});

test('collection bodies match their item schemas', { skip: spec ? false : 'webex-subset.json not found' }, async () => {
  await em.reset();
  const ada = await em.person('Ada');
  const t = ada.accessToken;
  const room = await em.room(t, 'Lists');
  await em.message(t, room.id, 'one');
  const cases = [
    ['/rooms', '/v1/rooms', '/rooms/{roomId}'],
    ['/memberships', `/v1/memberships?roomId=${room.id}`, '/memberships/{membershipId}'],
    ['/messages', `/v1/messages?roomId=${room.id}`, '/messages/{messageId}'],
    ['/people', `/v1/people?id=${ada.id}`, '/people/{personId}'],
  ];
  for (const [specPathName, url, itemPath] of cases) {
    const body = await em.ok('GET', url, { token: t });
    const { schema } = schemaFor(specPathName, 'get');
    assert.equal(schema.properties.items.type, 'array');
    assert.ok(body.items.length >= 1, `${url} returned no items`);
    for (const item of body.items) checkBody(itemPath, 'get', item);
  }
});
