// ISO 8601 durations as Gratia writes them: PnYnMnDTnHnMnS or PnW, optionally signed,
// any component may carry a fraction. A year counts 365 days and a month 30 days.
const DURATION = /^([-+])?P(?:(\d+(?:\.\d*)?|\.\d+)Y)?(?:(\d+(?:\.\d*)?|\.\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)W)?(?:(\d+(?:\.\d*)?|\.\d+)D)?(?:T(?:(\d+(?:\.\d*)?|\.\d+)H)?(?:(\d+(?:\.\d*)?|\.\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?$/;

const DAY = 86400;
const UNIT_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, 3600, 60, 1];

/** Seconds in an ISO 8601 duration; 0 when it cannot be parsed. */
export function durationSeconds(text: string): number {
  const s = text.trim();
  const m = DURATION.exec(s);
  // "P" and "PT" alone match the pattern but name no component.
  if (m === null || s.endsWith('P') || s.endsWith('T')) return 0;
  let seconds = 0;
  for (let i = 0; i < UNIT_SECONDS.length; i++) {
    const v = m[i + 2];
    if (v !== undefined) seconds += Number(v) * UNIT_SECONDS[i]!;
  }
  if (!Number.isFinite(seconds)) return 0;
  return m[1] === '-' ? -seconds : seconds;
}
