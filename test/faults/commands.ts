// What the fault suite sends: good consent commands (a plausible mix per consent, keyed by
// consentId as a producer would) and hostile input of many classes interleaved with them.
// Every message is keyed by the consent it concerns, so its order against that consent's other
// commands is the partition's order, which the oracle replays.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';

const NS = 'consentworker.v1';
const FAR = '2099-06-01T00:00:00.000Z';
const OWNER = { userId: 'owner-01', orgId: null as string | null, roles: ['org_owner'] };

export interface Sent {
  readonly key: string;
  readonly commandId: string | null; // null: not a decodable command (expected in the DLQ)
  readonly klass: string;
  readonly partition?: number;
}

interface Envelope {
  commandId: string;
  commandType: string;
  issuedAt: string;
  actor: { userId: string; orgId: string | null; roles: string[] } | null;
  correlationId: string | null;
  payload: Record<string, Record<string, unknown>>;
}

export class CommandSource {
  readonly sent: Sent[] = [];
  /** The commands topic's partition each command landed on (results are keyed by commandId, not by partition). */
  readonly partitionOf = new Map<string, number>();
  private readonly registry: SchemaRegistry;
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly run: string;
  private schemaId = 0;
  private unrelatedId = 0;
  /** Per consent: kind, and how many of its commands the generator expects to have applied. */
  private readonly consents = new Map<string, { kind: 'USER' | 'ORG'; version: number; org: string }>();
  private counter = 0;
  private hostileIndex = 0;

  constructor(registry: SchemaRegistry, producer: Producer, topic: string, run: string) {
    this.registry = registry;
    this.producer = producer;
    this.topic = topic;
    this.run = run;
  }

  async init(): Promise<void> {
    this.schemaId = await this.registry.getLatestSchemaId(`${this.topic}-value`);
    const schema = { type: 'record', name: 'ParcelScanned', namespace: 'faults.unrelated', fields: [{ name: 'parcelId', type: 'string' }] };
    this.unrelatedId = (await this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `faults-unrelated-${this.run}-value` })).id;
  }

  envelope(commandType: string, payload: Record<string, unknown>, extra: Partial<Envelope> = {}, payloadType = commandType): Envelope {
    const commandId = extra.commandId ?? `cmd-${randomUUID()}`;
    return {
      commandId, commandType, issuedAt: new Date().toISOString(), actor: null, correlationId: `corr-${commandId}`,
      payload: { [`${NS}.${payloadType}`]: payload }, ...extra,
    };
  }

  async encode(envelope: Envelope): Promise<Buffer> {
    return this.registry.encode(this.schemaId, envelope);
  }

  async sendRaw(key: string, value: Buffer | null, commandId: string | null, klass: string, partition?: number): Promise<void> {
    const [written] = await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value, ...(partition === undefined ? {} : { partition }) }] });
    this.sent.push({ key, commandId, klass, ...(partition === undefined ? {} : { partition }) });
    if (commandId !== null && written) this.partitionOf.set(commandId, written.partition);
  }

  async send(key: string, envelope: Envelope, klass: string, partition?: number): Promise<string> {
    await this.sendRaw(key, await this.encode(envelope), envelope.commandId, klass, partition);
    return envelope.commandId;
  }

  private newConsentId(): string {
    return `f-${this.run}-${(this.counter++).toString(36)}`;
  }

  /** A good CreateConsent of a fresh consent on an explicit partition (for the poison check). */
  async goodOn(partition: number): Promise<string> {
    const consentId = this.newConsentId();
    return this.send(consentId, this.envelope('CreateConsent', { consentId, serviceId: 'svc-1', userId: 'user-1', status: 'ACTIVE', consentType: null, consentData: {}, expiryTime: null }), 'good', partition);
  }

  /** One good command: a new consent, or the next step of one already sent. */
  async good(pool: number): Promise<void> {
    const existing = [...this.consents.keys()];
    if (existing.length < pool && (existing.length === 0 || Math.random() < 0.3)) {
      const consentId = this.newConsentId();
      if (Math.random() < 0.2) {
        const org = `org-${this.run}-${this.counter % 7}`;
        this.consents.set(consentId, { kind: 'ORG', version: 1, org });
        await this.send(consentId, this.envelope('RequestOrgConsent', { consentId, sourceUserId: 'user-1', targetOrgId: org, targetOrgOwnerEmail: 'owner@example.org' }), 'good');
      } else {
        this.consents.set(consentId, { kind: 'USER', version: 1, org: '' });
        await this.send(consentId, this.envelope('CreateConsent', {
          consentId, serviceId: 'svc-1', userId: 'user-1', status: 'ACTIVE', consentType: null, consentData: { channel: 'email' }, expiryTime: Math.random() < 0.5 ? FAR : null,
        }), 'good');
      }
      return;
    }
    const consentId = existing[Math.floor(Math.random() * existing.length)] as string;
    const c = this.consents.get(consentId) as { kind: 'USER' | 'ORG'; version: number; org: string };
    if (c.kind === 'ORG') {
      await this.send(consentId, this.envelope('DecideOrgConsent', { consentId, orgId: c.org, action: Math.random() < 0.7 ? 'APPROVE' : 'REJECT', expiry: FAR },
        { actor: { ...OWNER, orgId: c.org } }), 'good');
      c.version += 1;
      return;
    }
    const status = Math.random() < 0.3 ? 'REVOKED' : 'ACTIVE';
    // Sometimes an outdated consentVersion, as a producer with a stale read would send (409).
    const consentVersion = Math.random() < 0.1 ? c.version : c.version + 1;
    await this.send(consentId, this.envelope('UpdateConsent', {
      consentId, serviceId: 'svc-1', userId: 'user-1', consentVersion, status, consentType: null,
      consentData: { channel: Math.random() < 0.5 ? 'sms' : 'email', n: String(c.version) }, expiryTime: status === 'ACTIVE' ? FAR : null,
    }), 'good');
    if (consentVersion === c.version + 1) c.version += 1;
  }

  /** The hostile classes, one after another (see HOSTILE_CLASSES). */
  async hostile(): Promise<string> {
    const klass = HOSTILE_CLASSES[this.hostileIndex++ % HOSTILE_CLASSES.length] as string;
    await this.sendHostile(klass);
    return klass;
  }

  private create(consentId: string, payload: Record<string, unknown> = {}): Record<string, unknown> {
    return { consentId, serviceId: 'svc-1', userId: 'user-1', status: 'ACTIVE', consentType: null, consentData: { a: '1' }, expiryTime: null, ...payload };
  }

  async sendHostile(klass: string, partition?: number): Promise<void> {
    const id = this.newConsentId();
    const send = (key: string, envelope: Envelope, k: string) => this.send(key, envelope, k, partition);
    const e = (payload: Record<string, unknown>, extra: Partial<Envelope> = {}, type = 'CreateConsent', payloadType = type) => this.envelope(type, payload, extra, payloadType);
    switch (klass) {
      case 'random-bytes': return this.sendRaw(id, Buffer.from(randomUUID() + '\u00ff\u0001', 'latin1'), null, klass);
      case 'empty-value': return this.sendRaw(id, null, null, klass);
      case 'unknown-schema-id': return this.sendRaw(id, Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('junk')]), null, klass);
      case 'truncated-avro': {
        const full = await this.encode(e(this.create(id)));
        return this.sendRaw(id, full.subarray(0, 12), null, klass);
      }
      case 'unrelated-record': return this.sendRaw(id, await this.registry.encode(this.unrelatedId, { parcelId: 'p-1' }), null, klass);
      case 'oversized-undecodable': return this.sendRaw(id, Buffer.alloc(1_048_480, 0x41), null, klass, partition);
      case 'oversized-command': { await send(id, e(this.create(id, { consentData: { big: 'x'.repeat(1_040_000) } })), klass); return; }
      // The case: a valid command whose result would echo a 1 MB correlationId.
      case 'oversized-result': { await send(id, e(this.create(id), { correlationId: 'x'.repeat(1_040_000) }), klass); return; }
      case 'commandId-with-space': { await this.send(id, e(this.create(id), { commandId: `bad id ${randomUUID()}` }), klass); return; }
      case 'commandId-too-long': { await this.send(id, e(this.create(id), { commandId: `c${'x'.repeat(140)}${randomUUID()}` }), klass); return; }
      case 'payload-type-mismatch': { await this.send(id, e({ consentId: id, sourceUserId: 'u-1', targetOrgId: 'org-1', targetOrgOwnerEmail: 'a@b.c' }, {}, 'CreateConsent', 'RequestOrgConsent'), klass); return; }
      case 'unknown-command-type': { await this.send(id, e(this.create(id), {}, 'DropDatabase', 'CreateConsent'), klass); return; }
      case 'proto-key': { await this.send(id, e(this.create(id, { consentData: JSON.parse('{"__proto__":"x"}') })), klass); return; }
      case 'dollar-key': { await this.send(id, e(this.create(id, { consentData: { $where: '1' } })), klass); return; }
      case 'dotted-key': { await this.send(id, e(this.create(id, { consentData: { 'a.b': '1' } })), klass); return; }
      case 'empty-data-value': { await this.send(id, e(this.create(id, { consentData: { a: '' } })), klass); return; }
      case 'too-many-pairs': { await this.send(id, e(this.create(id, { consentData: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'])) })), klass); return; }
      case 'year-9999-minus-14': { await this.send(id, e(this.create(id, { expiryTime: '9999-12-31T23:00:00-14:00' })), klass); return; }
      case 'expiry-in-past': { await this.send(id, e(this.create(id, { expiryTime: '2001-01-01T00:00:00Z' })), klass); return; }
      case 'expiry-not-iso': { await this.send(id, e(this.create(id, { expiryTime: 'tomorrow' })), klass); return; }
      case 'status-expired': { await this.send(id, e(this.create(id, { status: 'EXPIRED' })), klass); return; }
      case 'consentId-unicode': { await this.send(id, e(this.create('cönsent\u0000x')), klass); return; }
      case 'userId-emoji': { await this.send(id, e(this.create(id, { userId: 'user-😀' })), klass); return; }
      case 'update-missing': { await this.send(id, e({ consentId: id, serviceId: 'svc-1', userId: 'user-1', consentVersion: 2, status: 'ACTIVE', consentType: null, consentData: null, expiryTime: FAR }, {}, 'UpdateConsent'), klass); return; }
      case 'update-version-zero': { await this.send(id, e({ consentId: id, serviceId: 'svc-1', userId: 'user-1', consentVersion: 0, status: 'ACTIVE', consentType: null, consentData: null, expiryTime: FAR }, {}, 'UpdateConsent'), klass); return; }
      case 'decide-without-actor': { await this.send(id, e({ consentId: id, orgId: 'org-1', action: 'APPROVE', expiry: FAR }, {}, 'DecideOrgConsent'), klass); return; }
      case 'decide-wrong-org': { await this.send(id, e({ consentId: id, orgId: 'org-1', action: 'APPROVE', expiry: FAR }, { actor: { userId: 'u-9', orgId: 'org-2', roles: ['org_owner'] } }, 'DecideOrgConsent'), klass); return; }
      case 'create-twice': {
        await this.send(id, e(this.create(id)), klass);
        await this.send(id, e(this.create(id)), klass);
        return;
      }
      case 'same-commandId-twice': {
        const envelope = e(this.create(id));
        await this.send(id, envelope, klass);
        await this.send(id, envelope, klass);
        return;
      }
      default: throw new Error(`unknown hostile class ${klass}`);
    }
  }
}

export const HOSTILE_CLASSES = [
  'random-bytes', 'empty-value', 'unknown-schema-id', 'truncated-avro', 'unrelated-record', 'commandId-with-space',
  'commandId-too-long', 'payload-type-mismatch', 'unknown-command-type', 'proto-key', 'dollar-key', 'dotted-key',
  'empty-data-value', 'too-many-pairs', 'year-9999-minus-14', 'expiry-in-past', 'expiry-not-iso', 'status-expired',
  'consentId-unicode', 'userId-emoji', 'update-missing', 'update-version-zero', 'decide-without-actor', 'decide-wrong-org',
  'create-twice', 'same-commandId-twice',
] as const;
