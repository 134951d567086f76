// The group set-ups the kill scenario compares: what kafkajs can do (classic, eager, dynamic
// members) against what @platformatic/kafka adds (a cooperative assignor, KIP-848, static members).
import type { ClientName, GroupSetting } from './bench-client.ts';

export interface GroupVariant {
  /** Short id, for BENCH_KC_VARIANTS and the JSON. */
  readonly id: string;
  readonly client: ClientName;
  readonly protocol: GroupSetting['protocol'];
  readonly assignor: GroupSetting['assignor'];
  readonly staticMembership: boolean;
}

export const VARIANTS: readonly GroupVariant[] = [
  { id: 'kafkajs-classic-eager', client: 'kafkajs', protocol: 'classic', assignor: 'eager', staticMembership: false },
  { id: 'platformatic-classic-eager', client: 'platformatic', protocol: 'classic', assignor: 'eager', staticMembership: false },
  { id: 'platformatic-classic-cooperative', client: 'platformatic', protocol: 'classic', assignor: 'cooperative-sticky', staticMembership: false },
  { id: 'platformatic-classic-cooperative-static', client: 'platformatic', protocol: 'classic', assignor: 'cooperative-sticky', staticMembership: true },
  { id: 'platformatic-kip848', client: 'platformatic', protocol: 'consumer', assignor: 'eager', staticMembership: false },
  { id: 'platformatic-kip848-static', client: 'platformatic', protocol: 'consumer', assignor: 'eager', staticMembership: true },
];

/** `left-down`: the killed member stays dead; `restarted`: a supervisor starts it again at once. */
export type KillMode = 'left-down' | 'restarted';
export const KILL_MODES: readonly KillMode[] = ['left-down', 'restarted'];

/** The variants named in a comma list (all when empty); an unknown name stops the run. */
export function selectVariants(list: string | undefined): GroupVariant[] {
  const names = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return [...VARIANTS];
  return names.map((name) => {
    const variant = VARIANTS.find((v) => v.id === name);
    if (!variant) throw new Error(`unknown variant ${name}; known: ${VARIANTS.map((v) => v.id).join(', ')}`);
    return variant;
  });
}

/** The kill modes named in a comma list (both when empty). */
export function selectKillModes(list: string | undefined): KillMode[] {
  const names = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return [...KILL_MODES];
  return names.map((name) => {
    if (!KILL_MODES.includes(name as KillMode)) throw new Error(`unknown kill mode ${name}; known: ${KILL_MODES.join(', ')}`);
    return name as KillMode;
  });
}
