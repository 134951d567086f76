// Whether a sustained open-loop row kept up with the rate it was offered (issue 19's "sustained
// capacity ≥ 2,000 creates/s"). A worker that keeps up answers about as fast as commands arrive and
// has little left to answer when the sending stops; one that falls behind answers at its own
// capacity, and what it owes at the end grows with the row's length.

/** At least this share of the offered rate must be answered (the last commands' latency costs a little). */
export const KEPT_UP_SHARE = 0.95;
/** At most this many seconds' worth of the offered commands may be unanswered when the sending stops. */
export const KEPT_UP_BACKLOG_S = 1;

export interface SustainedInput {
  readonly offeredPerS: number;
  /** When the generator sent the first and the last command (epoch ms). */
  readonly sendingStartedAt: number;
  readonly sendingEndedAt: number;
  readonly sent: number;
  readonly answered: number;
  /** Answered when the last command was sent. */
  readonly answeredWhenSendingEnded: number;
  /** When the last result arrived (epoch ms); null if none did. */
  readonly lastAt: number | null;
}

export interface SustainedVerdict {
  readonly offeredPerS: number;
  /** Results per second from the first send to the last result. */
  readonly achievedPerS: number;
  /** Commands sent but not answered when the last one was sent. */
  readonly backlogAtEnd: number;
  /** From the last send to the last result. */
  readonly drainMs: number | null;
  readonly keptUp: boolean;
}

export function sustainedVerdict(input: SustainedInput): SustainedVerdict {
  const span = input.lastAt === null ? null : (input.lastAt - input.sendingStartedAt) / 1_000;
  const achievedPerS = span && span > 0 ? Math.round(input.answered / span) : 0;
  const backlogAtEnd = Math.max(0, input.sent - input.answeredWhenSendingEnded);
  const keptUp = input.answered >= input.sent
    && achievedPerS >= KEPT_UP_SHARE * input.offeredPerS
    && backlogAtEnd <= KEPT_UP_BACKLOG_S * input.offeredPerS;
  return {
    offeredPerS: input.offeredPerS, achievedPerS, backlogAtEnd,
    drainMs: input.lastAt === null ? null : Math.max(0, input.lastAt - input.sendingEndedAt), keptUp,
  };
}

/** One line for the report, e.g. "kept up: 1,998/s answered of 2,000/s offered, 310 unanswered when the sending stopped, drained 0.4 s after". */
export function describeVerdict(v: SustainedVerdict): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  return `${v.keptUp ? 'kept up' : 'fell behind'}: ${n(v.achievedPerS)}/s answered of ${n(v.offeredPerS)}/s offered, `
    + `${n(v.backlogAtEnd)} unanswered when the sending stopped, the last answered ${v.drainMs === null ? '—' : (v.drainMs / 1_000).toFixed(1)} s after`;
}
