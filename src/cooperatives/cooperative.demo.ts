/**
 * Demo data of the directory that src/db/seed.ts draws on: street addresses and SIRETs. Kept
 * apart so that the seed stays deterministic (its own generator per cooperative: changing an
 * address does not move the rest of the demo data).
 */
import { withLuhnKey } from "./siret";

const STREET_KINDS = ["rue", "rue", "rue", "avenue", "boulevard", "place", "impasse", "allée", "quai", "chemin", "cours", "passage"];
const STREET_NAMES = [
  "de la République",
  "Victor-Hugo",
  "Jean-Jaurès",
  "des Tanneurs",
  "du Port",
  "de la Gare",
  "Pasteur",
  "des Halles",
  "du Moulin",
  "Gambetta",
  "des Écoles",
  "de l'Église",
  "du Marché",
  "des Lilas",
  "Émile-Zola",
  "Jules-Ferry",
  "des Tisserands",
  "de la Liberté",
  "du Château",
  "des Carmes",
  "Saint-Michel",
  "des Artisans",
  "de la Fontaine",
  "Louise-Michel",
  "des Forges",
  "du Vieux-Pont",
  "des Imprimeurs",
  "George-Sand",
  "de la Résistance",
  "des Acacias",
  "Marie-Curie",
  "du Stade",
  "des Remparts",
  "Jean-Moulin",
  "de l'Industrie",
  "du Canal",
  "des Peupliers",
  "Voltaire",
];
const COMPLEMENTS = ["", "", "", "", " bis", " ter"];

/** A varied street address, the same for the same `n`. */
export function demoAddress(n: number, rand: () => number): string {
  const kind = STREET_KINDS[Math.floor(rand() * STREET_KINDS.length)] as string;
  const name = STREET_NAMES[(n * 7 + Math.floor(rand() * STREET_NAMES.length)) % STREET_NAMES.length] as string;
  const complement = COMPLEMENTS[Math.floor(rand() * COMPLEMENTS.length)] as string;
  const number = kind === "place" || kind === "allée" ? "" : `${1 + Math.floor(rand() * 140)}${complement} `;
  return `${number}${kind} ${name}`.replace(/^./, (c) => c.toUpperCase());
}

/**
 * A SIRET whose two keys hold: a SIREN (8 digits from `draw` and its Luhn key), then an
 * establishment number (4 digits and the SIRET's Luhn key). `draw` is in [0, 1).
 */
export function demoSiret(draw: number, establishment: number): string {
  const siren = withLuhnKey(String(30_000_000 + Math.floor(draw * 60_000_000)));
  return withLuhnKey(siren + String(establishment % 10_000).padStart(4, "0"));
}
