/**
 * Value parsers of the eForms mapping: dates with offsets, amounts, CPV codes, numbers, text
 * normalisation and the choice of a language among multilingual values. Pure functions; the ones
 * that can fail return `null` or an error message and leave the reporting to the caller.
 */

/** Calendar date `2019-11-15`, `2019-11-15Z`, `2019-11-15+01:00` (xsd:date). */
const DATE = /^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/;
/** Time of day `12:00:00`, `12:00:00.5Z`, `12:00:00+01:00` (xsd:time). */
const TIME = /^(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$/;
/** A full date-time, tolerated where a date is expected. */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:\d{2})?$/;

/** Minutes east of UTC of an xsd offset (`Z`, `+02:00`, `-05:00`); `null` when invalid. */
function offsetMinutes(offset: string | undefined): number | null {
  if (offset === undefined || offset === "Z") return 0;
  const sign = offset.startsWith("-") ? -1 : 1;
  const hours = Number(offset.slice(1, 3));
  const minutes = Number(offset.slice(4, 6));
  if (hours > 14 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

/**
 * The instant of a date and an optional time, as eForms writes them in separate elements
 * (`cbc:EndDate` 2019-11-15+01:00 and `cbc:EndTime` 12:00:00+01:00 → 2019-11-15T11:00:00Z).
 * The calendar day comes from the date, the time of day from the time; the offset is the
 * time's, else the date's, else UTC. A date alone means the start of that day at its offset.
 * @returns the instant, or `null` when a value is not a valid date or time.
 */
export function parseDateTime(dateText: string, timeText?: string | null): Date | null {
  const full = DATE_TIME.exec(dateText.trim());
  if (full && (timeText === null || timeText === undefined)) {
    return parseDateTime(`${full[1]}${full[3] ?? ""}`, `${full[2]}${full[3] ?? ""}`);
  }
  const date = DATE.exec(dateText.trim());
  if (!date) return null;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  let [hours, minutes, seconds, millis] = [0, 0, 0, 0];
  let offset = offsetMinutes(date[4]);
  if (timeText !== null && timeText !== undefined) {
    const time = TIME.exec(timeText.trim());
    if (!time) return null;
    [hours, minutes, seconds] = [Number(time[1]), Number(time[2]), Number(time[3])];
    millis = time[4] ? Math.round(Number(`0${time[4]}`) * 1000) : 0;
    if (time[5] !== undefined) offset = offsetMinutes(time[5]);
  }
  if (offset === null || hours > 23 || minutes > 59 || seconds > 59) return null;
  const day0 = new Date(Date.UTC(year, month - 1, day));
  if (day0.getUTCFullYear() !== year || day0.getUTCMonth() !== month - 1 || day0.getUTCDate() !== day) {
    return null;
  }
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, millis) - offset * 60_000);
}

/** A decimal amount such as `9999999.99`; `null` when not a plain decimal number. */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** A non-negative integer such as `2`; `null` otherwise. */
export function parseInteger(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\+?\d{1,15}$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** `true`/`false` (or `1`/`0`); `null` otherwise. */
export function parseBoolean(text: string): boolean | null {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "true" || trimmed === "1") return true;
  if (trimmed === "false" || trimmed === "0") return false;
  return null;
}

/** An ISO 4217 currency code (`EUR`); `null` otherwise. */
export function parseCurrency(text: string | null): string | null {
  const trimmed = (text ?? "").trim().toUpperCase();
  return /^[A-Z]{3}$/.test(trimmed) ? trimmed : null;
}

/** The values without duplicates, first occurrence kept. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Control characters other than tab and line breaks (C0, DEL, C1): never meaningful in a text. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * One-line text (titles, names): control characters removed, every run of spaces, tabs and line
 * breaks becomes one space; no-break spaces (French typography) are kept.
 */
export function oneLine(text: string): string {
  return text
    .replace(CONTROL_CHARACTERS, "")
    .replace(/[ \t\n\r\f\v]+/g, " ")
    .replace(/^[ ]+|[ ]+$/g, "");
}

/**
 * Multi-line text (descriptions): control characters removed, lines kept, each line's spaces collapsed and trimmed,
 * at most one blank line in a row.
 */
export function multiLine(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(CONTROL_CHARACTERS, "")
    .split("\n")
    .map((line) => line.replace(/[ \t\f\v]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A text with the language it was written in (`null` when the element carries no `languageID`). */
export interface LanguageText {
  readonly text: string;
  readonly language: string | null;
}

/**
 * Chooses one value among the language variants of a field: the first preferred language that
 * is present (`["FRA", <notice language>]`), else the first value.
 */
export function pickLanguage(values: readonly LanguageText[], preferred: readonly string[]): LanguageText | null {
  for (const language of preferred) {
    const found = values.find((value) => value.language === language);
    if (found) return found;
  }
  return values[0] ?? null;
}

/** Languages that appear more than once among the variants of one field (at most one allowed). */
export function repeatedLanguages(values: readonly LanguageText[]): string[] {
  const counts = new Map<string, number>();
  for (const value of values) {
    if (value.language !== null) counts.set(value.language, (counts.get(value.language) ?? 0) + 1);
  }
  return [...counts].filter(([, count]) => count > 1).map(([language]) => language);
}
