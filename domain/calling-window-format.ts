/** SPEC §4.4 [C-10]: the `HH:MM-HH:MM` daily window syntax (`00:00-24:00` = always; may cross midnight). */

export interface DailyWindow {
  /** Minutes after local midnight the window opens, 0..1439. */
  openMin: number;
  /** Minutes after local midnight the window closes, 1..1440; < openMin when it crosses midnight. */
  closeMin: number;
  /** True for `00:00-24:00`. */
  always: boolean;
}

export function parseWindow(text: string): DailyWindow | null {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [oh, om, ch, cm] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (oh > 23 || om > 59 || cm > 59 || ch > 24 || (ch === 24 && cm !== 0)) return null;
  const openMin = oh * 60 + om;
  const closeMin = ch * 60 + cm;
  if (openMin === closeMin) return null;
  return { openMin, closeMin, always: openMin === 0 && closeMin === 1440 };
}
