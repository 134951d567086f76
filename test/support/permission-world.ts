// The setup layer the permission integration tests share: sending a permission command and
// awaiting its result, building a fresh "world" (permission, source, contract, entity) to act on,
// naming an entity by id or by external key, and reading the Avro union the results carry.
// Every helper takes the Harness, because each test file runs its own worker on its own topics.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { CommandOptions } from './command-producer.ts';
import type { Harness } from './worker-harness.ts';

/** A decoded result or event record, read field by field. */
export type Result = Record<string, unknown>;

/** What a command's sender gets back: the commandId it sent and the result answering it. */
export interface Sent {
  readonly commandId: string;
  readonly result: Result;
}

/** A command's `entity`: exactly one of entityId or extType + extKey is set (the worker checks it). */
export interface EntityRef {
  entityId: string | null;
  extKey: string | null;
  extType: string | null;
}

export interface ExternalKey {
  extKey: string;
  extType: string;
}

/** PermissionState as results and events carry it. */
export interface PermissionState {
  entityId: string;
  permissionId: string;
  isActive: boolean;
  isWithdrawn: boolean;
  acceptance: { timestamp: string; sourceId: string } | null;
  withdrawal: { timestamp: string; sourceId: string; reason: string | null } | null;
}

/** The timestamps the worker writes: Date#toISOString, UTC with milliseconds. */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Eight random characters, enough to keep the ids of one test apart from every other run's. */
export const shortId = (): string => randomUUID().slice(0, 8);

export const byId = (entityId: string): EntityRef => ({ entityId, extKey: null, extType: null });
export const byKey = (extType: string, extKey: string): EntityRef => ({ entityId: null, extKey, extType });
/** The Kafka key a producer uses for a command on this entity: its id, else extType:extKey. */
export const keyOf = (ref: EntityRef): string => ref.entityId ?? `${ref.extType}:${ref.extKey}`;

/** The branch `type` of a result's `state`, an Avro union that decodes as { 'consentworker.v1.<type>': value }. */
export const stateOf = (result: Result, type: 'ReferenceState' | 'EntityState' | 'PermissionState'): unknown =>
  (result['state'] as Record<string, unknown> | null)?.[`consentworker.v1.${type}`];

export const permissionState = (result: Result): PermissionState | undefined =>
  stateOf(result, 'PermissionState') as PermissionState | undefined;

/** Sends one permission command and waits for its result. */
export async function sendCommand(h: Harness, type: string, payload: Record<string, unknown>, options: CommandOptions): Promise<Sent> {
  const commandId = await h.permission(type, payload, options);
  return { commandId, result: await h.result(commandId) };
}

/** Sends one permission command keyed by `key` and returns its result. */
export async function send(h: Harness, type: string, payload: Record<string, unknown>, key: string): Promise<Result> {
  return (await sendCommand(h, type, payload, { key })).result;
}

/** Awaits results sent together and expects each to be a 201 of the command it answers. */
export async function expectAll201(...pending: Promise<Result>[]): Promise<void> {
  const results = await Promise.all(pending);
  expect(results.map((r) => [r['commandType'], r['statusCode']])).toEqual(results.map((r) => [r['commandType'], '201']));
}

/**
 * A permission, a source, a contract allowing both, and an entity under that contract, all
 * active. Every id carries the tag, so worlds of different tests never meet.
 */
export interface World {
  readonly tag: string;
  readonly entityId: string;
  readonly permissionId: string;
  readonly sourceId: string;
  readonly contractId: string;
}

export interface WorldOptions {
  /** External keys the entity is registered with; none by default. */
  readonly externalKeys?: readonly ExternalKey[];
  /** The permissions the contract allows; the world's own permission by default. */
  readonly allowedPermissionIds?: readonly string[];
  /** Further sources to register (active) and have the contract allow next to the world's own. */
  readonly moreSourceIds?: readonly string[];
  /** false registers the entity without a contract. */
  readonly contract?: boolean;
}

/** The ids of a fresh world named after the test; nothing is sent yet (see defineWorld). */
export function worldIds(name: string): World {
  const tag = `${name}-${shortId()}`;
  return { tag, entityId: `ent-${tag}`, permissionId: `perm-${tag}`, sourceId: `src-${tag}`, contractId: `ctr-${tag}` };
}

/** Defines `w` through Kafka, all commands at once, and expects every one to be created (201). */
export async function defineWorld(h: Harness, w: World, options: WorldOptions = {}): Promise<void> {
  const moreSourceIds = options.moreSourceIds ?? [];
  await expectAll201(
    send(h, 'DefinePermission', { permissionId: w.permissionId, name: 'Newsletter', active: true }, w.permissionId),
    send(h, 'RegisterSource', { sourceId: w.sourceId, name: 'Web shop', active: true }, w.sourceId),
    ...moreSourceIds.map((sourceId) => send(h, 'RegisterSource', { sourceId, name: 'Call centre', active: true }, sourceId)),
    send(h, 'DefineContract', {
      contractId: w.contractId,
      allowedPermissionIds: options.allowedPermissionIds ?? [w.permissionId],
      allowedSourceIds: [w.sourceId, ...moreSourceIds],
    }, w.contractId),
    send(h, 'RegisterEntity', {
      entityId: w.entityId, externalKeys: options.externalKeys ?? [], contractId: options.contract === false ? null : w.contractId,
    }, w.entityId),
  );
}

/** A fresh world, defined and ready: the usual start of a permission test. */
export async function world(h: Harness, name: string, options: WorldOptions = {}): Promise<World> {
  const w = worldIds(name);
  await defineWorld(h, w, options);
  return w;
}

/** Who accepts or withdraws what from where: the part of a world a permission command names. */
export type Holding = Pick<World, 'entityId' | 'permissionId' | 'sourceId'>;

export type AcceptOverrides = Partial<{
  entity: EntityRef; permissionId: string; sourceId: string; termsId: string | null; data: Record<string, string> | null;
}>;

export type WithdrawOverrides = Partial<{ entity: EntityRef; permissionId: string; sourceId: string; reason: string | null }>;

/** AcceptPermission of the world's permission by its entityId from its source, no terms, no data, unless overridden. */
export const acceptPayload = (w: Holding, over: AcceptOverrides = {}): Record<string, unknown> & { entity: EntityRef } => ({
  entity: byId(w.entityId), permissionId: w.permissionId, sourceId: w.sourceId, termsId: null, data: null, ...over,
});

/** WithdrawPermission of the world's permission by its entityId from its source, no reason, unless overridden. */
export const withdrawPayload = (w: Holding, over: WithdrawOverrides = {}): Record<string, unknown> & { entity: EntityRef } => ({
  entity: byId(w.entityId), permissionId: w.permissionId, sourceId: w.sourceId, reason: null, ...over,
});

/** Sends AcceptPermission keyed by its entity, as a producer would, and waits for the result. */
export function acceptPermission(h: Harness, w: Holding, over: AcceptOverrides = {}, options: CommandOptions = {}): Promise<Sent> {
  const payload = acceptPayload(w, over);
  return sendCommand(h, 'AcceptPermission', payload, { key: keyOf(payload.entity), ...options });
}

/** Sends WithdrawPermission keyed by its entity, as a producer would, and waits for the result. */
export function withdrawPermission(h: Harness, w: Holding, over: WithdrawOverrides = {}, options: CommandOptions = {}): Promise<Sent> {
  const payload = withdrawPayload(w, over);
  return sendCommand(h, 'WithdrawPermission', payload, { key: keyOf(payload.entity), ...options });
}

/**
 * Waits for the entity's permission event of `version`, then returns all its events so far.
 * Used as a barrier: once a later change is in, any event a refused or repeated command had
 * wrongly published would be in the list too.
 */
export async function permissionEventsThrough(h: Harness, entityId: string, version: number): Promise<Result[]> {
  await h.collector.waitFor((all) => all.some((r) => r.topic === h.topics.permissionEvents && r.key === entityId
    && (r.value as { version?: number } | null)?.version === version) ? true : undefined, `version ${version} of ${entityId}`);
  return h.events(entityId, 'permission');
}
