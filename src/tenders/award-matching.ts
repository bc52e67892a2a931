/**
 * Who of an award notice's winners is a member cooperative: by SIRET (or SIREN) first, then by
 * normalised name. Pure: no ORM, unit-tested on plain data.
 */

/** Words of legal forms and filler words that do not tell two companies apart. */
const NOISE = new Set([
  "scop",
  "scic",
  "cae",
  "sarl",
  "sas",
  "sasu",
  "sa",
  "eurl",
  "snc",
  "sca",
  "sci",
  "selarl",
  "gie",
  "ste",
  "societe",
  "cooperative",
  "ouvriere",
  "production",
  "participative",
  "interet",
  "collectif",
  "anonyme",
  "responsabilite",
  "limitee",
  "simplifiee",
  "par",
  "actions",
  "de",
  "du",
  "des",
  "d",
  "l",
  "la",
  "le",
  "les",
  "et",
]);

/** Lower case, no accents, no punctuation, no legal-form words: "Scop SARL L'Atelier Été" → "atelier ete". */
export function normaliseName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(" ")
    .filter((word) => word !== "" && !NOISE.has(word))
    .join(" ");
}

/** The digits of a national id: a SIRET (14) or a SIREN (9); null for anything else. */
export function companyNumber(id: string | null | undefined): string | null {
  if (!id) return null;
  const digits = id.replace(/[\s.-]/g, "");
  return /^\d{9}$/.test(digits) || /^\d{14}$/.test(digits) ? digits : null;
}

export interface MemberCooperative {
  id: string;
  name: string;
  siret: string;
}

export interface NoticeWinner {
  name: string;
  nationalId: string | null;
}

/** The member cooperative a winner is, or null: SIRET (a SIREN matches its establishments), then name. */
export function matchWinner(winner: NoticeWinner, members: readonly MemberCooperative[]): MemberCooperative | null {
  const number = companyNumber(winner.nationalId);
  if (number) {
    const bySiret = members.find((m) => (number.length === 14 ? m.siret === number : m.siret.startsWith(number)));
    if (bySiret) return bySiret;
  }
  const name = normaliseName(winner.name);
  if (name === "") return null;
  return members.find((m) => normaliseName(m.name) === name) ?? null;
}
