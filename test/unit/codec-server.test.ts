// The codec server the Web UI decodes through: Temporal's protocol (POST /encode, /decode, payloads
// as protobuf JSON), nothing without its token, CORS for the Web UI's origin only.
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type CodecServer } from '../../workers/codec-server';
import { EncryptionCodec } from '../../workers/encryption-codec';
import { codecKeys, newKey } from '../support/codec-keys';

const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-token-for-tests';
const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64');

describe('the codec server', () => {
  const keys = codecKeys({ k1: newKey() });
  let server: CodecServer;
  let body: string;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startCodecServer({ keys, token: TOKEN, uiOrigins: [UI], log: (line) => logged.push(line) });
    const [sealed] = await new EncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ name: 'secret' })]);
    body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(sealed.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
          data: b64(sealed.data),
        },
      ],
    });
  });
  afterAll(async () => server?.close());

  const post = (path: string, headers: Record<string, string> = {}, data = body) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: data,
    });
  const decoded = async (response: Response) => {
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    return payloads.map((p) => ({
      encoding: Buffer.from(p.metadata.encoding, 'base64').toString(),
      value: JSON.parse(Buffer.from(p.data, 'base64').toString()) as unknown,
    }));
  };

  test('401 without the token, and with a wrong one', async () => {
    const none = await post('/decode');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.text()).toBe('unauthorized: send Authorization: Bearer <token>\n');
    expect((await post('/decode', { authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await post('/decode', { authorization: TOKEN })).status).toBe(401);
    expect((await post('/encode', { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await post('/not-the-token/decode')).status).toBe(401);
  });

  test('200 with the token: decodes what the codec encrypted', async () => {
    const response = await post('/decode', { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await decoded(response)).toEqual([{ encoding: 'json/plain', value: { name: 'secret' } }]);
  });

  test('the token as the path prefix, for a Web UI that cannot send a header', async () => {
    expect(server.uiEndpoint).toBe(`${server.url}/${TOKEN}`);
    const response = await post(`/${TOKEN}/decode`);
    expect(response.status).toBe(200);
    expect(await decoded(response)).toEqual([{ encoding: 'json/plain', value: { name: 'secret' } }]);
  });

  test('encode then decode gives the payload back, encrypted in between', async () => {
    const plain = JSON.stringify({
      payloads: [{ metadata: { encoding: b64(Buffer.from('json/plain')) }, data: b64(Buffer.from('"hello"')) }],
    });
    const encoded = await post('/encode', { authorization: `Bearer ${TOKEN}` }, plain);
    expect(encoded.status).toBe(200);
    const sealed = await encoded.text();
    expect(sealed).not.toContain(b64(Buffer.from('"hello"')));
    expect(await decoded(await post('/decode', { authorization: `Bearer ${TOKEN}` }, sealed))).toEqual([
      { encoding: 'json/plain', value: 'hello' },
    ]);
  });

  test('CORS: only the Web UI origin is told it may read the answer', async () => {
    const allowed = await post('/decode', { authorization: `Bearer ${TOKEN}`, origin: UI });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI);
    expect(allowed.headers.get('vary')).toBe('Origin');
    const other = await post('/decode', { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // A 401 to the Web UI carries CORS too, so the UI can tell the user why.
    const refused = await post('/decode', { origin: UI });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI);
  });

  test('preflight: the Web UI may send Authorization, Content-Type and X-Namespace; others get nothing', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(ok.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-Namespace');
    const refused = await preflight('http://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('bad requests: one line saying what is wrong', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const notJson = await post('/decode', auth, 'not json');
    expect([notJson.status, await notJson.text()]).toEqual([400, 'the body is not JSON\n']);
    const shape = await post('/decode', auth, '{"payload": []}');
    expect([shape.status, await shape.text()]).toEqual([400, 'expected {"payloads": [...]}\n']);
    const otherKey = new EncryptionCodec(codecKeys({ k9: newKey() }));
    const [foreign] = await otherKey.encode([defaultPayloadConverter.toPayload('x')]);
    const unknown = await post(
      '/decode',
      auth,
      JSON.stringify({
        payloads: [
          {
            metadata: Object.fromEntries(Object.entries(foreign.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
            data: b64(foreign.data),
          },
        ],
      }),
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('payload encrypted with key "k9", which this process does not have');
    expect(logged.some((line) => line.includes('"k9"'))).toBe(true);
    expect((await post('/other', auth)).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: auth })).status).toBe(405);
  });
});
