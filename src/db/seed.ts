import type { EntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { hashPassword } from "../auth/password";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { communes, type Commune } from "../common/reference/reference";
import { knownCpv } from "../common/cpv";
import { Cooperative, CooperativeReference, CooperativeSkill, Membership } from "../cooperatives/cooperative.entity";
import { LegalForm, MemberRole } from "../cooperatives/cooperative.enums";
import { demoAddress, demoSiret } from "../cooperatives/cooperative.demo";
import { LocationPrecision } from "../places/place.types";
import { cpvPrefixes } from "../matching/cpv-similarity";
import { seedTenders } from "../tenders/tender.seed";
import { seedClients } from "../clients/client.seed";
import { placeFrom } from "../places/place.embeddable";

/** The demo accounts the README lists; every demo account shares this password. */
export const DEMO_PASSWORD = "scopgraph-demo";
export const DEMO_ACCOUNTS = {
  admin: "admin@demo.scopgraph.coop",
  officer: "officer@demo.scopgraph.coop",
  member: "member@demo.scopgraph.coop",
  client: "client@demo.scopgraph.coop",
};

/** A small deterministic generator, so that every demo directory is the same. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Trade {
  words: string[];
  naf: string;
  skills: string[];
  blurb: string;
}

/** Trades of the communication sector, with the CPV codes they answer. */
export const TRADES: Trade[] = [
  {
    words: ["Imprimerie", "Presses", "Atelier d'impression"],
    naf: "18.12Z",
    skills: ["79810000", "79820000", "79823000", "22462000", "22150000", "79800000", "22458000"],
    blurb: "Impression offset et numérique, façonnage, brochures, affiches et catalogues.",
  },
  {
    words: ["Agence web", "Studio numérique", "Collectif numérique"],
    naf: "62.01Z",
    skills: ["72413000", "72212000", "72420000", "72000000", "72415000", "72212200"],
    blurb: "Conception et développement de sites web et d'applications, hébergement et maintenance.",
  },
  {
    words: ["Les Films", "Production", "Studio vidéo"],
    naf: "59.11B",
    skills: ["92111000", "92111200", "92111210", "92100000", "92112000", "92110000"],
    blurb: "Films institutionnels, documentaires, motion design et captations.",
  },
  {
    words: ["Événements", "Compagnie", "Agence événementielle"],
    naf: "82.30Z",
    skills: ["79952000", "79951000", "79956000", "79950000", "79953000"],
    blurb: "Organisation de salons, séminaires, inaugurations et festivals.",
  },
  {
    words: ["Atelier de design", "Studio graphique", "Atelier"],
    naf: "74.10Z",
    skills: ["79822500", "79930000", "79820000", "79933000"],
    blurb: "Identité visuelle, design graphique, signalétique et édition.",
  },
  {
    words: ["Agence conseil", "Conseil en communication", "Agence"],
    naf: "70.21Z",
    skills: ["79416000", "79341000", "79342000", "79340000", "79413000", "79416200"],
    blurb: "Stratégie de communication, relations presse, campagnes et marketing.",
  },
  {
    words: ["Traductions", "Langues", "Interprètes"],
    naf: "74.30Z",
    skills: ["79530000", "79540000", "79500000"],
    blurb: "Traduction, interprétariat, sous-titrage et relecture.",
  },
  {
    words: ["Photographie", "Regards", "Studio photo"],
    naf: "74.20Z",
    skills: ["79961000", "79960000", "79961100", "79963000"],
    blurb: "Reportages photographiques, portraits et banques d'images.",
  },
];

const NAMES = [
  "Ricochet",
  "Mistral",
  "L'Établi",
  "La Fabrique",
  "Colibri",
  "Les Arpenteurs",
  "Cap Horizon",
  "Le Lavoir",
  "Trois Rivières",
  "Grand Angle",
  "La Navette",
  "Bouche à Oreille",
  "Contrechamp",
  "L'Encrier",
  "Papier Ciseaux",
  "Les Tisserands",
  "Bleu Outremer",
  "La Ruche",
  "Rouge Vif",
  "Le Phare",
  "Les Passeurs",
  "Belle Ouvrage",
  "La Boussole",
  "Les Semeurs",
  "Vent d'Ouest",
  "Point Virgule",
  "L'Atelier du Coin",
  "Les Artisans",
  "La Marge",
  "Coquelicot",
  "Les Rotatives",
  "Hors Champ",
  "Fil Rouge",
  "La Bobine",
  "Terre d'Encre",
  "Le Quai",
  "Les Lucioles",
];
const FIRST = [
  "Camille",
  "Lucie",
  "Hugo",
  "Nadia",
  "Julien",
  "Sophie",
  "Karim",
  "Élise",
  "Marc",
  "Inès",
  "Thomas",
  "Claire",
  "Yanis",
  "Léa",
  "Pierre",
  "Amina",
];
const LAST = [
  "Martin",
  "Bernard",
  "Dubois",
  "Moreau",
  "Laurent",
  "Simon",
  "Michel",
  "Lefèvre",
  "Leroy",
  "Roux",
  "David",
  "Bertrand",
  "Morel",
  "Fournier",
  "Girard",
  "Benali",
];
const CLIENTS = [
  "Région Normandie",
  "Ville de Lyon",
  "Département de la Gironde",
  "CHU de Nantes",
  "Métropole de Lille",
  "Université de Rennes",
  "Office de tourisme de Bayonne",
  "Conseil départemental du Finistère",
  "Ville de Besançon",
  "Parc naturel régional du Vercors",
  "Musée des Beaux-Arts de Rouen",
  "Caisse d'allocations familiales de l'Hérault",
];
const FORMS = [LegalForm.SCOP_SARL, LegalForm.SCOP_SARL, LegalForm.SCOP_SAS, LegalForm.SCOP_SA, LegalForm.SCIC_SAS, LegalForm.SCIC_SARL, LegalForm.CAE];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Communes weighted by population: demo cooperatives sit where people live. */
function communePicker(rand: () => number): () => Commune {
  const pool = communes().filter((c) => c.population >= 8000);
  const total = pool.reduce((s, c) => s + Math.sqrt(c.population), 0);
  return () => {
    let r = rand() * total;
    for (const c of pool) {
      r -= Math.sqrt(c.population);
      if (r <= 0) return c;
    }
    return pool[pool.length - 1] as Commune;
  };
}

/** A demo cooperative's skills (most of its trade, sometimes a neighbouring one) and references. */
function demoSkillsAndReferences(em: EntityManager, rand: () => number, cooperative: Cooperative, trade: Trade, year: number): void {
  const codes = new Map<string, number>();
  for (const code of trade.skills) if (rand() < 0.75 || codes.size === 0) codes.set(code, 2 + Math.floor(rand() * 4));
  if (rand() < 0.35) {
    const other = pick(rand, TRADES);
    codes.set(pick(rand, other.skills), 1 + Math.floor(rand() * 3));
  }
  const known = [...codes].flatMap(([code, level]) => {
    const cpv = knownCpv(code);
    return cpv ? [[cpv, level] as const] : [];
  });
  for (const [cpv, level] of known) em.create(CooperativeSkill, { cooperative, cpv, level });
  cooperative.cpvPrefixes = [...new Set(known.flatMap(([cpv]) => cpvPrefixes(cpv)))].sort();
  const referenceCount = Math.floor(rand() * 4);
  for (let r = 0; r < referenceCount && known.length; r++) {
    const [cpv] = pick(rand, known);
    em.create(CooperativeReference, {
      cooperative,
      cpv,
      title: `${trade.words[0]} pour ${pick(rand, CLIENTS)}`,
      client: pick(rand, CLIENTS),
      year: year - 1 - Math.floor(rand() * 6),
      amount: Math.round((5 + rand() * 120) * 1000),
    });
  }
}

/** Loads the demo directory: staff and client accounts, cooperatives with skills, references and members. */
export async function seedDemo(em: EntityManager, options: { cooperatives?: number; seed?: number } = {}): Promise<{ cooperatives: number; users: number }> {
  const count = options.cooperatives ?? 320;
  const rand = prng(options.seed ?? 2026);
  const nextCommune = communePicker(rand);
  // One hash for every demo account: hashing is slow on purpose.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const user = (email: string, name: string, role: PlatformRole) => em.create(User, { email, name, role, passwordHash, emailVerifiedAt: new Date() });
  user(DEMO_ACCOUNTS.admin, "Alex Admin", PlatformRole.ADMIN);
  user(DEMO_ACCOUNTS.officer, "Odile Chargée de mission", PlatformRole.MISSION_OFFICER);
  user(DEMO_ACCOUNTS.client, "Claude Client", PlatformRole.CLIENT);
  const demoMember = user(DEMO_ACCOUNTS.member, "Morgane Membre", PlatformRole.MEMBER);
  let users = 4;
  const names = new Set<string>();
  const year = new Date().getUTCFullYear();

  for (let i = 0; i < count; i++) {
    const trade = TRADES[i % TRADES.length] as Trade;
    const commune = nextCommune();
    let name = `${pick(rand, trade.words)} ${pick(rand, NAMES)}`;
    if (names.has(name)) name = `${name} ${commune.name}`;
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    const headcount = 2 + Math.floor(Math.pow(rand(), 2) * 60);
    const cooperative = em.create(Cooperative, {
      name,
      legalForm: pick(rand, FORMS),
      siret: demoSiret(rand(), 10 + (i % 89)),
      nafCode: trade.naf,
      description: `${trade.blurb} Coopérative basée à ${commune.name}.`,
      website: `https://${slug(name)}.example.coop`,
      // One draw of the main sequence, as before, seeds the address's own generator.
      address: demoAddress(i, prng(Math.floor(rand() * 2 ** 32))),
      postcode: commune.postcodes[0] ?? null,
      // A few hundred metres around the town centre, so neighbours do not overlap exactly.
      place: placeFrom({ commune, point: { lat: commune.lat + (rand() - 0.5) * 0.02, lon: commune.lon + (rand() - 0.5) * 0.02 } }),
      locationPrecision: LocationPrecision[commune.precision],
      headcount,
      annualRevenue: Math.round(headcount * (55_000 + rand() * 40_000)),
    });
    demoSkillsAndReferences(em, rand, cooperative, trade, year);
    // People: an owner and a few members.
    const people = 1 + Math.floor(rand() * 3);
    for (let p = 0; p < people; p++) {
      const first = pick(rand, FIRST);
      const last = pick(rand, LAST);
      const person = user(`${slug(first)}.${slug(last)}.${i}-${p}@demo.scopgraph.coop`, `${first} ${last}`, PlatformRole.MEMBER);
      users++;
      em.create(Membership, { cooperative, user: person, role: p === 0 ? MemberRole.OWNER : MemberRole.MEMBER });
    }
    if (i === 0) em.create(Membership, { cooperative, user: demoMember, role: MemberRole.OWNER });
    if (i % 100 === 99) await em.flush();
  }
  await em.flush();
  await seedTenders(em, rand);
  await seedClients(em);
  return { cooperatives: count, users };
}

/** On an empty database, loads the demo directory; otherwise leaves everything as it is. */
export async function seedIfEmpty(em: EntityManager, log: Logger): Promise<void> {
  if ((await em.count(User, {})) > 0 || (await em.count(Cooperative, {})) > 0) return;
  log.info("empty database: loading the demo directory");
  const result = await seedDemo(em);
  log.info(result, "demo directory loaded");
}
