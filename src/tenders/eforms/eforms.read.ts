/* Reading helpers of the eForms mapping: what one run shares, cardinality, texts, values. */
import { Issues } from "./eforms.errors";
import type { MoneyAmount, NoticeRootElement, ParsedOrganization } from "./eforms.types";
import { parseBoolean, parseCurrency, parseDateTime, parseDecimal, parseInteger, pickLanguage, repeatedLanguages, type LanguageText } from "./eforms.values";
import { allOf, attributeOf, pathBelow, pathWithoutPosition, textOf, type XmlElement } from "./eforms.xml";

/** Where the eForms extension sits below any element that has one. */
export const EXTENSION = "ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension";

/** What the mapping functions share during one run. */
export interface Context {
  readonly issues: Issues;
  /** Languages to keep, best first: `FRA`, then the notice language. */
  readonly preferred: readonly string[];
}

export interface NoticeContext extends Context {
  readonly organizations: ReadonlyMap<string, ParsedOrganization>;
}

export type TextStyle = (text: string) => string;

// ---------------------------------------------------------------------------------------------
// Small helpers: cardinality, texts, values

export function asRootElement(name: string): NoticeRootElement | null {
  return name === "ContractNotice" || name === "PriorInformationNotice" || name === "ContractAwardNotice" ? name : null;
}

export function isPresent<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** The element at `path`, reporting an issue when the notice holds several where one is allowed. */
export function single(context: Context, element: XmlElement | null | undefined, path: string): XmlElement | null {
  const found = allOf(element, path);
  if (found.length > 1 && element) {
    context.issues.add(pathBelow(element, path), `${found.length} elements where at most one is allowed`);
  }
  return found[0] ?? null;
}

/** Text of the single element at `path`, `null` when absent or empty. */
export function singleText(context: Context, element: XmlElement | null | undefined, path: string): string | null {
  return textOf(single(context, element, path));
}

/** Text of the single element at `path`, reporting `message` when absent or empty. */
export function requiredText(context: Context, element: XmlElement, path: string, message: string): string | null {
  const text = singleText(context, element, path);
  if (text === null) context.issues.add(pathBelow(element, path), message);
  return text;
}

/** The text of a multilingual field at `path`, in the preferred language (see {@link pickLocalized}). */
export function localized(context: Context, element: XmlElement | null, path: string, style: TextStyle): LanguageText | null {
  return pickLocalized(context, allOf(element, path), style);
}

/**
 * Chooses among the language variants of one field (elements with `languageID`): French, else
 * the notice language, else the first; reports a language given twice.
 */
export function pickLocalized(context: Context, elements: readonly XmlElement[], style: TextStyle): LanguageText | null {
  const variants = elements
    .map((element) => ({ element, text: style(element.text), language: attributeOf(element, "languageID")?.toUpperCase() ?? null }))
    .filter((variant) => variant.text !== "");
  for (const language of repeatedLanguages(variants)) {
    const repeated = variants.filter((variant) => variant.language === language);
    const second = repeated[1];
    if (!second) continue;
    context.issues.add(pathWithoutPosition(second.element), `${repeated.length} values in language ${language} where one is allowed`);
  }
  const chosen = pickLanguage(variants, context.preferred);
  return chosen ? { text: chosen.text, language: chosen.language } : null;
}

export function amount(context: Context, element: XmlElement | null): MoneyAmount | null {
  if (element === null || element.text === "") return null;
  const value = parseDecimal(element.text);
  const currency = parseCurrency(attributeOf(element, "currencyID"));
  if (value === null) context.issues.add(element.path, `invalid amount "${element.text}"`);
  if (currency === null) context.issues.add(element.path, "amount without a valid currencyID");
  return value !== null && currency !== null ? { amount: value, currency } : null;
}

export function dateTime(context: Context, date: XmlElement | null, time: XmlElement | null): Date | null {
  if (date === null || date.text === "") return null;
  const timeText = time !== null && time.text !== "" ? time.text : null;
  const value = parseDateTime(date.text, timeText);
  if (value === null) {
    const shown = timeText === null ? date.text : `${date.text} ${timeText}`;
    context.issues.add(date.path, `invalid date "${shown}"${timeText === null ? "" : " (date and time)"}`);
  }
  return value;
}

/** End of a period (`cbc:EndDate` + `cbc:EndTime`). */
export function periodEnd(context: Context, period: XmlElement | null): Date | null {
  return dateTime(context, single(context, period, "cbc:EndDate"), single(context, period, "cbc:EndTime"));
}

/** The earliest of some instants. */
export function earliest(dates: readonly (Date | null)[]): Date | null {
  const times = dates.filter(isPresent).map((date) => date.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

export function integer(context: Context, element: XmlElement): number | null {
  if (element.text === "") return null;
  const value = parseInteger(element.text);
  if (value === null) context.issues.add(element.path, `invalid number "${element.text}"`);
  return value;
}

export function decimal(context: Context, element: XmlElement): number | null {
  if (element.text === "") return null;
  const value = parseDecimal(element.text);
  if (value === null) context.issues.add(element.path, `invalid number "${element.text}"`);
  return value;
}

export function boolean(context: Context, element: XmlElement): boolean | null {
  if (element.text === "") return null;
  const value = parseBoolean(element.text);
  if (value === null) context.issues.add(element.path, `invalid indicator "${element.text}" (true or false)`);
  return value;
}

/** The organisation an element refers to with its `cbc:ID` child, reported when unknown. */
export function referencedOrganization(context: NoticeContext, element: XmlElement, what: string): ParsedOrganization | null {
  const reference = textOf(element, "cbc:ID");
  if (reference === null) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} without organisation reference`);
    return null;
  }
  const organization = context.organizations.get(reference);
  if (organization === undefined) {
    context.issues.add(pathBelow(element, "cbc:ID"), `${what} refers to organisation ${reference}, which the notice does not define`);
    return null;
  }
  return organization;
}
