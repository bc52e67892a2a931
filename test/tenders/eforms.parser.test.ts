/**
 * The eForms mapping, field by field on every example notice of the eForms SDK
 * (test/fixtures/eforms, CC BY 4.0, see its README), then on hand-written edge cases.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { NoticeError, parseNotice } from "../../src/tenders/eforms/eforms.parser";
import type { AwardCriterion, MoneyAmount, ParsedAward, ParsedLot, ParsedNotice, Place } from "../../src/tenders/eforms/eforms.types";
import { MAX_NOTICE_BYTES } from "../../src/tenders/eforms/eforms.xml";
import { parseDateTime } from "../../src/tenders/eforms/eforms.values";
import { cpvDigits } from "../../src/common/cpv";

const FIXTURES = join(__dirname, "..", "fixtures", "eforms");

function fixture(file: string): string {
  return readFileSync(join(FIXTURES, file), "utf8");
}

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function eur(amount: number): MoneyAmount {
  return { amount, currency: "EUR" };
}

/** Runs `action` and returns the NoticeError it throws (fails when it throws nothing or something else). */
function noticeError(action: () => unknown): NoticeError {
  try {
    action();
  } catch (error) {
    if (error instanceof NoticeError) return error;
    throw new Error(`expected a NoticeError, got ${String(error)}`);
  }
  throw new Error("expected a NoticeError, nothing was thrown");
}

// ---------------------------------------------------------------------------------------------
// Projections: each test compares one group of fields, exactly.

function identity(notice: ParsedNotice) {
  return {
    noticeId: notice.noticeId,
    version: notice.version,
    kind: notice.kind,
    rootElement: notice.rootElement,
    subtype: notice.subtype,
    noticeTypeCode: notice.noticeTypeCode,
    formType: notice.formType,
    legalBasis: notice.legalBasis,
    contractFolderId: notice.contractFolderId,
    language: notice.language,
    issueDate: iso(notice.issueDate),
    publicationDate: iso(notice.publicationDate),
    requestedPublicationDate: iso(notice.requestedPublicationDate),
    plannedNoticeDate: iso(notice.plannedNoticeDate),
  };
}

function changes(notice: ParsedNotice) {
  return {
    changedNoticeId: notice.changedNoticeId,
    changedNoticeVersion: notice.changedNoticeVersion,
    changeReasonCode: notice.changeReasonCode,
    changeDescription: notice.changeDescription,
    changedSections: notice.changedSections,
  };
}

function buyer(notice: ParsedNotice) {
  const found = notice.buyer;
  return found === null
    ? null
    : {
        organizationId: found.organizationId,
        name: found.name,
        nationalId: found.nationalId,
        street: found.street,
        city: found.city,
        postcode: found.postcode,
        nuts: found.nuts,
        country: found.country,
        email: found.email,
        url: found.url,
        legalType: found.legalType,
      };
}

function placeOf(place: Place | null) {
  return place === null ? null : { nuts: place.nuts, country: place.country, city: place.city, region: place.region };
}

function criteria(list: readonly AwardCriterion[]) {
  return list.map((criterion) => ({
    type: criterion.type,
    name: criterion.name,
    weight: criterion.weight,
    weightCode: criterion.weightCode,
  }));
}

function procedure(notice: ParsedNotice) {
  return {
    title: notice.title,
    internalId: notice.internalId,
    procedureType: notice.procedureType,
    contractNature: notice.contractNature,
    mainCpv: notice.mainCpv,
    cpvCodes: notice.cpvCodes,
    place: placeOf(notice.place),
    placeCount: notice.places.length,
    estimatedValue: notice.estimatedValue,
    submissionDeadline: iso(notice.submissionDeadline),
    participationDeadline: iso(notice.participationDeadline),
    awardCriteria: criteria(notice.awardCriteria),
  };
}

function lot(item: ParsedLot) {
  return {
    lotId: item.lotId,
    number: item.number,
    scheme: item.scheme,
    internalId: item.internalId,
    title: item.title,
    contractNature: item.contractNature,
    cpvCodes: item.cpvCodes,
    estimatedValue: item.estimatedValue,
    place: placeOf(item.place),
    submissionDeadline: iso(item.submissionDeadline),
    participationDeadline: iso(item.participationDeadline),
    awardCriteria: criteria(item.awardCriteria),
    groupLegalFormRequired: item.groupLegalFormRequired,
  };
}

function award(item: ParsedAward) {
  return {
    resultId: item.resultId,
    lotId: item.lotId,
    resultCode: item.resultCode,
    tenderId: item.tenderId,
    tenderReference: item.tenderReference,
    winners: item.winners.map((winner) => ({
      organizationId: winner.organizationId,
      name: winner.name,
      nationalId: winner.nationalId,
      country: winner.country,
      city: winner.city,
      groupLead: winner.groupLead,
    })),
    amount: item.amount,
    awardDate: iso(item.awardDate),
    contractConclusionDate: iso(item.contractConclusionDate),
    contractReference: item.contractReference,
    tendersReceived: item.tendersReceived,
  };
}

// ---------------------------------------------------------------------------------------------
// Expected values, read in each XML file.

const NO_GROUP_RULES = {
  maxLotsPerTenderer: null,
  maxLotsAwardedPerTenderer: null,
  multipleOffersForbidden: null,
  groupLegalFormRequired: null,
  groupLegalFormDescription: null,
  lotsPresentation: null,
};

const OP_TITLE = "Provision of IT Services Related to OP IT Systems (EUR-Lex, N-Lex, Search Layer, and Others)";
const OP_BUYER = {
  organizationId: "ORG-0001",
  name: "Publications Office of the European Union",
  nationalId: "EU-PO",
  street: null,
  city: "Luxembourg",
  postcode: "2985",
  nuts: "LU000",
  country: "LUX",
  email: "op-appels-offres@publications.europa.eu",
  url: null,
  legalType: "eu-ins-bod-ag",
};
const OP_LOT: ReturnType<typeof lot> = {
  lotId: "LOT-0000",
  number: 0,
  scheme: "LOT",
  internalId: "1",
  title: OP_TITLE,
  contractNature: "services",
  cpvCodes: ["72230000"],
  estimatedValue: null,
  place: { nuts: "FRD22", country: "FRA", city: null, region: null },
  submissionDeadline: "2020-02-04T08:00:00.000Z",
  participationDeadline: null,
  awardCriteria: [],
  groupLegalFormRequired: null,
};
const ROUEN_HABITAT = {
  organizationId: "ORG-0001",
  name: "Rouen Habitat",
  nationalId: "123 456 789",
  street: "5 place du Général de Gaulle",
  city: "Rouen Cedex 1",
  postcode: "76001",
  nuts: "FRD22",
  country: "FRA",
  email: "contact@rouenhabitat.fr",
  legalType: "pub-undert-la",
};
const ESPACES_VERTS_TITLE = "Service d'entretien de remise en état et de nettoyage des espaces verts";
const CEA_TITLE =
  "Assistance à maîtrise d’œuvre en suivi de réalisation dans le cadre du projet de construction d’un poste de garde et d’un parking sur plusieurs niveaux sur le site CEA de Cadarache pour le compte du CEA DAM";
const CEA_BUYER = {
  organizationId: "ORG-0001",
  name: "Commissariat à l'énergie atomique et aux énergies alternatives",
  nationalId: null,
  street: "CEA/DAM Île-de-France DCG/SAPI/BGI bâtiment U Bruyères-le-Châtel",
  city: "Arpajon Cedex",
  postcode: "91297",
  country: "FRA",
  email: "sapi.bgi@cea.fr",
  url: "http://www.cea.fr",
};
const GBR_ANYWHERE = { nuts: null, country: "GBR", city: null, region: "anyw-cou" };

interface FixtureCase {
  file: string;
  identity: ReturnType<typeof identity>;
  changes?: ReturnType<typeof changes>;
  languages: string[];
  buyer: ReturnType<typeof buyer>;
  procedure: ReturnType<typeof procedure>;
  groupRules: ParsedNotice["groupRules"];
  lots: ReturnType<typeof lot>[];
  awards: ReturnType<typeof award>[];
  awardedValue: MoneyAmount | null;
}

const NO_CHANGES = {
  changedNoticeId: null,
  changedNoticeVersion: null,
  changeReasonCode: null,
  changeDescription: null,
  changedSections: [],
};

const CASES: FixtureCase[] = [
  {
    file: "cn_24_minimal.xml",
    identity: {
      noticeId: "f42be27e-09cf-4f0e-a745-63ec689631e6",
      version: "01",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "4805c409-5939-4be9-8abd-837f7a5fee23",
      language: "ENG",
      issueDate: "2019-11-20T23:00:00.000Z", // 2019-11-21+01:00 00:00:00+01:00
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["ENG"],
    buyer: OP_BUYER,
    procedure: {
      title: OP_TITLE,
      internalId: null,
      procedureType: "open",
      contractNature: "services",
      mainCpv: "72230000",
      cpvCodes: ["72230000"],
      place: { nuts: "FRD22", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: "2020-02-04T08:00:00.000Z", // 2020-02-04+02:00 10:00:00+02:00
      participationDeadline: null,
      awardCriteria: [],
    },
    groupRules: NO_GROUP_RULES,
    lots: [OP_LOT],
    awards: [],
    awardedValue: null,
  },
  {
    file: "change-cn_24_void.xml",
    identity: {
      noticeId: "1d192942-a4a3-4833-8775-ca38f7ec09ca",
      version: "01",
      kind: "CHANGE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "4805c409-5939-4be9-8abd-837f7a5fee23", // the procedure of cn_24_minimal
      language: "ENG",
      issueDate: "2019-12-21T11:00:00.000Z", // 2019-12-21+01:00 12:00:00+01:00
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    changes: {
      changedNoticeId: "f42be27e-09cf-4f0e-a745-63ec689631e6", // cn_24_minimal, version 01
      changedNoticeVersion: "01",
      changeReasonCode: "cancel",
      changeDescription: "We cancel because...",
      changedSections: [],
    },
    languages: ["ENG"],
    buyer: OP_BUYER,
    procedure: {
      title: OP_TITLE,
      internalId: null,
      procedureType: "open",
      contractNature: "services",
      mainCpv: "72230000",
      cpvCodes: ["72230000"],
      place: { nuts: "FRD22", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: "2020-02-04T08:00:00.000Z",
      participationDeadline: null,
      awardCriteria: [],
    },
    groupRules: NO_GROUP_RULES,
    lots: [OP_LOT],
    awards: [],
    awardedValue: null,
  },
  {
    file: "cn_24_maximal.xml",
    identity: {
      noticeId: "14549263-b47b-4e59-96a1-2d0d13e19343",
      version: "03",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "aff2863e-b4cc-4e91-baba-b3b85f709117",
      language: "ENG",
      issueDate: "2023-03-23T19:59:32.000Z", // 2023-03-23+01:00 20:59:32+01:00
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["ENG"],
    buyer: {
      organizationId: "ORG-0001",
      name: "Financial Adinistration for ...",
      nationalId: "998298",
      street: "Bruce Wayne House, 2 Gotham Street",
      city: "Luxembourg",
      postcode: "1234",
      nuts: "LU000",
      country: "LUX",
      email: "info@fin-adm.com",
      url: "https://www.fin-adm.com",
      legalType: "body-pl",
    },
    procedure: {
      title: "Procurement Title ---",
      internalId: "2023-P-0001",
      procedureType: "neg-w-call",
      contractNature: "services",
      mainCpv: "79710000",
      cpvCodes: ["79710000", "79720000", "75121000"],
      place: { nuts: "LU000", country: "LUX", city: "Luxembourg", region: null },
      placeCount: 2,
      estimatedValue: eur(9999999.99),
      submissionDeadline: null,
      participationDeadline: "2023-05-22T19:59:32.000Z", // 2023-05-22+01:00 20:59:32+01:00
      awardCriteria: [
        { type: "cost", name: "Name of AC ---", weight: 60, weightCode: "per-exa" },
        { type: "quality", name: "Name of AC ---", weight: 40, weightCode: "per-exa" },
      ],
    },
    groupRules: {
      maxLotsPerTenderer: 2,
      maxLotsAwardedPerTenderer: 2,
      // BT-769 `allowed` on both lots.
      multipleOffersForbidden: false,
      groupLegalFormRequired: true,
      groupLegalFormDescription: "Tenderer Legal Form Description ---",
      lotsPresentation: "all",
    },
    lots: [
      {
        lotId: "LOT-0001",
        number: 1,
        scheme: "LOT",
        internalId: "Lot A",
        title: "Title ---",
        contractNature: "services",
        cpvCodes: ["75121000"],
        estimatedValue: eur(9999999.99),
        place: { nuts: "LU000", country: "LUX", city: "Luxembourg", region: null },
        submissionDeadline: null,
        participationDeadline: "2023-05-22T19:59:32.000Z",
        awardCriteria: [
          { type: "cost", name: "Name of AC ---", weight: 60, weightCode: "per-exa" },
          { type: "quality", name: "Name of AC ---", weight: 40, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: true,
      },
      {
        lotId: "LOT-0002",
        number: 2,
        scheme: "LOT",
        internalId: "Lot B",
        title: "Title Lot 2---",
        contractNature: "services",
        cpvCodes: ["75121000"],
        estimatedValue: eur(9999999.99),
        place: { nuts: "LU000", country: "LUX", city: "Luxembourg", region: null },
        submissionDeadline: null,
        participationDeadline: "2023-05-22T19:59:32.000Z",
        awardCriteria: [
          { type: "cost", name: "Name of AC ---", weight: 60, weightCode: "per-exa" },
          { type: "quality", name: "Name of AC ---", weight: 40, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: true,
      },
    ],
    awards: [],
    awardedValue: null,
  },
  {
    file: "cn_24_FRA_comments.xml",
    identity: {
      noticeId: "da4d46e9-490b-41ff-a2ae-8166d356a619",
      version: "01",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "e3cdabf1-e057-47a5-9210-b1f6fc757228",
      language: "FRA",
      issueDate: "2019-05-09T23:00:00.000Z",
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["FRA"],
    buyer: { ...ROUEN_HABITAT, url: "https://www.marches-publics.info/accueil.htm" },
    procedure: {
      title: ESPACES_VERTS_TITLE,
      internalId: "19S0001",
      procedureType: "open",
      contractNature: "services",
      mainCpv: "77310000",
      cpvCodes: ["77310000"],
      place: { nuts: "FRD22", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: "2019-06-24T16:00:00.000Z", // 2019-06-24Z 16:00:00Z
      participationDeadline: null,
      awardCriteria: [
        { type: "price", name: "Prix", weight: 60, weightCode: "per-exa" },
        { type: "quality", name: "Qualité", weight: 40, weightCode: "per-exa" },
      ],
    },
    groupRules: { ...NO_GROUP_RULES, maxLotsPerTenderer: 2, maxLotsAwardedPerTenderer: 1 },
    lots: ["Agence centre", "Agence Hauts de Rouen"].map((title, index) => ({
      lotId: `LOT-000${index + 1}`,
      number: index + 1,
      scheme: "LOT" as const,
      internalId: String(index + 1),
      title,
      contractNature: "services",
      cpvCodes: ["77310000"],
      estimatedValue: null,
      place: { nuts: "FRD22", country: "FRA", city: null, region: null },
      submissionDeadline: "2019-06-24T16:00:00.000Z",
      participationDeadline: null,
      awardCriteria: [
        { type: "price", name: "Prix", weight: 60, weightCode: "per-exa" },
        { type: "quality", name: "Qualité", weight: 40, weightCode: "per-exa" },
      ],
      groupLegalFormRequired: null,
    })),
    awards: [],
    awardedValue: null,
  },
  {
    file: "cn_24_multilingual.xml",
    identity: {
      noticeId: "55aae64f-88a8-44a5-b2fb-8228e97fe6ee",
      version: "01",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "46c9ce89-5986-40d9-992f-e1a2469a48f8",
      language: "FRA", // notice in English with 23 additional languages, French among them
      issueDate: "2019-11-20T23:00:00.000Z",
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: [
      "ENG",
      "BUL",
      "CES",
      "DAN",
      "DEU",
      "ELL",
      "SPA",
      "EST",
      "FIN",
      "FRA",
      "GLE",
      "HRV",
      "HUN",
      "ITA",
      "LIT",
      "LAV",
      "MLT",
      "NLD",
      "POL",
      "POR",
      "RON",
      "SLK",
      "SLV",
      "SWE",
    ],
    buyer: {
      organizationId: "ORG-0001",
      name: "Office des publications de l'Union européenne",
      nationalId: "EU-PO",
      street: "2, rue Mercier",
      city: "Luxembourg",
      postcode: "L-2985",
      nuts: "LU000",
      country: "LUX",
      email: "op-appels-offres@publications.europa.eu",
      url: "https://op.europa.eu/",
      legalType: "eu-ins-bod-ag",
    },
    procedure: {
      title: "Fourniture de services informatiques liés aux systèmes informatiques OP (EUR-Lex, N-Lex, Search Layer, etc.)",
      internalId: "AO 10786",
      procedureType: "open",
      contractNature: "services",
      mainCpv: "72230000",
      cpvCodes: ["72230000", "72260000"],
      place: { nuts: "LU000", country: "LUX", city: null, region: null },
      placeCount: 1,
      estimatedValue: eur(4500000),
      submissionDeadline: "2020-02-03T13:00:00.000Z",
      participationDeadline: null,
      awardCriteria: [
        { type: "quality", name: "Qualité", weight: 70, weightCode: "per-exa" },
        { type: "price", name: "Prix", weight: 30, weightCode: "per-exa" },
      ],
    },
    groupRules: NO_GROUP_RULES,
    lots: [
      {
        lotId: "LOT-0000",
        number: 0,
        scheme: "LOT",
        internalId: "AO 10786 Lot 1",
        title: "Fourniture de services informatiques liés aux systèmes informatiques OP (EUR-Lex, N-Lex, Search Layer, etc.)",
        contractNature: "services",
        cpvCodes: ["72230000", "72260000"],
        estimatedValue: eur(4500000),
        place: { nuts: "LU000", country: "LUX", city: null, region: null },
        submissionDeadline: "2020-02-03T13:00:00.000Z",
        participationDeadline: null,
        awardCriteria: [
          { type: "quality", name: "Qualité", weight: 70, weightCode: "per-exa" },
          { type: "price", name: "Prix", weight: 30, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: null,
      },
    ],
    awards: [],
    awardedValue: null,
  },
  {
    file: "cn_24_open.xml",
    identity: {
      noticeId: "c4c415ee-ac08-4465-8fa6-57568cf69462",
      version: "01",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "16",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32014L0024",
      contractFolderId: "31f258b6-5eb2-4875-8997-affa3cdce27c",
      language: "ENG",
      issueDate: "2020-02-28T11:32:13.000Z",
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["ENG"],
    buyer: {
      organizationId: "ORG-0001",
      name: "Renfrewshire Council",
      nationalId: "not available",
      street: "Renfrewshire House, Cotton Street",
      city: "Paisley",
      postcode: "PA1 1JB",
      nuts: null,
      country: "GBR",
      email: "douglas.mcewan@renfrewshire.gov.uk",
      url: "http://www.renfrewshire.gov.uk",
      legalType: "la",
    },
    procedure: {
      title: "Term Contract for a Planned Programme of In-service Inspection and Testing of Electrical Equipment",
      internalId: "RC-CPU-19-065",
      procedureType: "open",
      contractNature: "services",
      mainCpv: "71630000",
      cpvCodes: ["71630000", "71314100", "50300000", "31600000"],
      place: { nuts: null, country: "GBR", city: null, region: null },
      placeCount: 1,
      estimatedValue: eur(500000),
      submissionDeadline: "2020-04-03T11:00:00.000Z", // 2020-04-03+01:00 12:00:00+01:00
      participationDeadline: null,
      awardCriteria: [
        { type: "quality", name: "Methodology and approach", weight: 15, weightCode: "per-exa" },
        { type: "quality", name: "Fair working practices", weight: 5, weightCode: "per-exa" },
        { type: "quality", name: "Community benefits offered", weight: 3, weightCode: "per-exa" },
        { type: "quality", name: "Community benefit methodology", weight: 2, weightCode: "per-exa" },
        { type: "price", name: "Price", weight: 75, weightCode: "per-exa" },
      ],
    },
    groupRules: NO_GROUP_RULES,
    lots: [
      {
        lotId: "LOT-0000",
        number: 0,
        scheme: "LOT",
        internalId: "1",
        title: "Term Contract for a Planned Programme of In-service Inspection and Testing of Electrical Equipment",
        contractNature: "services",
        cpvCodes: ["71630000", "71314100", "50300000", "31600000"],
        estimatedValue: null,
        place: { nuts: null, country: "GBR", city: null, region: null },
        submissionDeadline: "2020-04-03T11:00:00.000Z",
        participationDeadline: null,
        awardCriteria: [
          { type: "quality", name: "Methodology and approach", weight: 15, weightCode: "per-exa" },
          { type: "quality", name: "Fair working practices", weight: 5, weightCode: "per-exa" },
          { type: "quality", name: "Community benefits offered", weight: 3, weightCode: "per-exa" },
          { type: "quality", name: "Community benefit methodology", weight: 2, weightCode: "per-exa" },
          { type: "price", name: "Price", weight: 75, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: null,
      },
    ],
    awards: [],
    awardedValue: null,
  },
  {
    file: "cn_81_FRA.xml",
    identity: {
      noticeId: "866bf88e-f381-45c8-a085-43a6148d0ab7",
      version: "01",
      kind: "CONTRACT_NOTICE",
      rootElement: "ContractNotice",
      subtype: "18",
      noticeTypeCode: "cn-standard",
      formType: "competition",
      legalBasis: "32009L0081",
      contractFolderId: "82c626cc-83e1-4644-9cf1-6ed82b3e3dbc",
      language: "FRA",
      issueDate: "2020-04-08T02:23:02.000Z", // 2020-04-08+01:00 03:23:02+01:00
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["FRA"],
    buyer: { ...CEA_BUYER, nuts: "FR102", legalType: "body-pl" },
    procedure: {
      title: CEA_TITLE,
      internalId: "700029324",
      procedureType: "restricted",
      contractNature: "services",
      mainCpv: "71336000",
      cpvCodes: ["71336000", "80512000"], // the procedure's, then the lot's
      place: { nuts: "FRL04", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: null,
      participationDeadline: "2020-09-14T15:00:00.000Z", // 2020-09-14+01:00 16:00:00+01:00
      awardCriteria: [{ type: "cost", name: "Coût", weight: null, weightCode: null }],
    },
    groupRules: {
      ...NO_GROUP_RULES,
      groupLegalFormRequired: true,
      groupLegalFormDescription:
        "En cas de groupement, ce dernier doit revêtir la forme d’un Groupement momentané d’entreprises (GME) solidaire ou à défaut d’un GME conjoint.\n" +
        "En tout état de cause, le mandataire doit être solidaire de tous les membres du groupement.",
    },
    lots: [
      {
        lotId: "LOT-0000",
        number: 0,
        scheme: "LOT",
        internalId: "700029324",
        title: "Procurement of Military Working Dogs",
        contractNature: "services",
        cpvCodes: ["80512000"],
        estimatedValue: null,
        place: GBR_ANYWHERE,
        submissionDeadline: null,
        participationDeadline: "2020-09-14T15:00:00.000Z",
        awardCriteria: [{ type: "cost", name: "Coût", weight: null, weightCode: null }],
        groupLegalFormRequired: true,
      },
    ],
    awards: [],
    awardedValue: null,
  },
  {
    file: "pin-only_81_FRA.xml",
    identity: {
      noticeId: "3f60af90-c612-40bd-9943-866fe3ae21b4",
      version: "01",
      kind: "PRIOR_INFORMATION",
      rootElement: "PriorInformationNotice",
      subtype: "6",
      noticeTypeCode: "pin-only",
      formType: "planning",
      legalBasis: "32009L0081",
      contractFolderId: null, // forbidden in a PIN used only for information
      language: "FRA",
      issueDate: "2020-12-07T11:35:04.000Z",
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: "2021-05-06T22:00:00.000Z", // 2021-05-07+02:00
    },
    languages: ["FRA"],
    buyer: {
      organizationId: "ORG-0001",
      name: "Marine/DCSSF/DSSF Toulon",
      nationalId: null,
      street: "BCRM de Toulon — BP 25",
      city: "Toulon Cedex 9",
      postcode: "83800",
      nuts: "FRL04",
      country: "FRA",
      email: "pascale.bresson@intradef.gouv.fr",
      url: "http://www.ixarm.com/fr",
      legalType: "def-cont",
    },
    procedure: {
      title:
        "Demande d'informations nº DI 123/DSSFT ayant pour objet le recueil d'informations sur les solutions industrielles dans le domaine des recycleurs de plongée destinés à la guerre des mines",
      internalId: null,
      procedureType: null,
      contractNature: "supplies",
      mainCpv: "35520000",
      cpvCodes: ["35520000"],
      place: { nuts: null, country: "FRA", city: null, region: "anyw-cou" },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: null,
      participationDeadline: null,
      awardCriteria: [],
    },
    groupRules: NO_GROUP_RULES,
    lots: [
      {
        lotId: "PAR-0000",
        number: 0,
        scheme: "PART",
        internalId: null,
        title:
          "Demande d'informations nº DI 123/DSSFT ayant pour objet le recueil d'informations sur les solutions industrielles dans le domaine des recycleurs de plongée destinés à la guerre des mines",
        contractNature: "supplies",
        cpvCodes: ["35520000"],
        estimatedValue: null,
        place: { nuts: null, country: "FRA", city: null, region: "anyw-cou" },
        submissionDeadline: null,
        participationDeadline: null,
        awardCriteria: [],
        groupLegalFormRequired: null,
      },
    ],
    awards: [],
    awardedValue: null,
  },
  {
    file: "pin-only_24_lots.xml",
    identity: {
      noticeId: "199b243b-4daf-4d7d-ba7c-f37f88102480",
      version: "01",
      kind: "PRIOR_INFORMATION",
      rootElement: "PriorInformationNotice",
      subtype: "4",
      noticeTypeCode: "pin-only",
      formType: "planning",
      legalBasis: "32014L0024",
      contractFolderId: null,
      language: "ENG",
      issueDate: "2020-04-02T11:30:00.000Z",
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: "2020-06-29T22:00:00.000Z", // 2020-06-30+02:00
    },
    languages: ["ENG"],
    buyer: {
      organizationId: "ORG-0001",
      name: "Fusion21 Members Consortium",
      nationalId: "123456789",
      street: "Kings Business Park, Kings Drive",
      city: "Prescot",
      postcode: "L34 1PJ",
      nuts: null,
      country: "GBR",
      email: "contact@fusion21.co.uk",
      url: "https://www.fusion21.co.uk/",
      legalType: "body-pl",
    },
    procedure: {
      title: "Fusion21 Materials Supply Framework — Market Engagement Opportunity", // without the stray U+008D of the file
      internalId: "GO-202042-PRO-16291922",
      procedureType: null,
      contractNature: "supplies",
      mainCpv: "44110000",
      cpvCodes: ["44110000", "44111000", "31681410", "44115200", "45213221", "44112500", "39141400", "39144000", "44221000", "33196000"],
      place: GBR_ANYWHERE,
      placeCount: 1,
      estimatedValue: eur(750000000),
      submissionDeadline: null,
      participationDeadline: null,
      awardCriteria: [],
    },
    groupRules: NO_GROUP_RULES,
    lots: (
      [
        ["General Building Materials", "44111000", "supplies"],
        ["Electrical Materials", "31681410", "supplies"],
        ["Plumbing and Heating Materials", "44115200", "supplies"],
        ["Managed Stores", "45213221", "works"],
        ["Local Independent Merchants", "44110000", "supplies"],
        ["Roofing Materials", "44112500", "supplies"],
        ["Kitchen Materials", "39141400", "supplies"],
        ["Bathroom Materials", "39144000", "supplies"],
        ["Windows and Doors", "44221000", "supplies"],
        ["Aids and Adaptations", "33196000", "supplies"],
      ] as const
    ).map(([title, cpv, nature], index) => ({
      lotId: `PAR-${String(index + 1).padStart(4, "0")}`,
      number: index + 1,
      scheme: "PART" as const,
      internalId: null,
      title,
      contractNature: nature,
      cpvCodes: [cpv],
      estimatedValue: null,
      place: GBR_ANYWHERE,
      submissionDeadline: null,
      participationDeadline: null,
      awardCriteria: [],
      groupLegalFormRequired: null,
    })),
    awards: [],
    awardedValue: null,
  },
  {
    file: "can_24_FRA_comments.xml",
    identity: {
      noticeId: "df45f4d1-2208-47cb-bc7a-9c7edcf8d2b8",
      version: "01",
      kind: "CONTRACT_AWARD",
      rootElement: "ContractAwardNotice",
      subtype: "29",
      noticeTypeCode: "can-standard",
      formType: "result",
      legalBasis: "32014L0024",
      contractFolderId: "e3cdabf1-e057-47a5-9210-b1f6fc757228", // the procedure of cn_24_FRA_comments
      language: "FRA",
      issueDate: "2019-10-22T23:00:00.000Z",
      publicationDate: null,
      requestedPublicationDate: "2019-12-20T23:00:00.000Z", // 2019-12-21+01:00
      plannedNoticeDate: null,
    },
    languages: ["FRA"],
    buyer: { ...ROUEN_HABITAT, url: "http://www.marches-publics.info/accueil.htm" },
    procedure: {
      title: ESPACES_VERTS_TITLE,
      internalId: "19S0001",
      procedureType: "open",
      contractNature: "services",
      mainCpv: "77310000",
      cpvCodes: ["77310000"],
      place: { nuts: "FRD22", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: null,
      participationDeadline: null,
      awardCriteria: [], // the two lots weigh price and quality differently
    },
    groupRules: NO_GROUP_RULES,
    lots: [
      {
        lotId: "LOT-0001",
        number: 1,
        scheme: "LOT",
        internalId: "1",
        title: "Agence centre",
        contractNature: "services",
        cpvCodes: ["77310000"],
        estimatedValue: null,
        place: { nuts: "FRD22", country: "FRA", city: null, region: null },
        submissionDeadline: null,
        participationDeadline: null,
        awardCriteria: [
          { type: "price", name: "Prix", weight: 40, weightCode: "per-exa" },
          { type: "quality", name: "Qualité", weight: 60, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: null,
      },
      {
        lotId: "LOT-0002",
        number: 2,
        scheme: "LOT",
        internalId: "2",
        title: "Agence Hauts de Rouen",
        contractNature: "services",
        cpvCodes: ["77310000"],
        estimatedValue: null,
        place: { nuts: "FRD22", country: "FRA", city: null, region: null },
        submissionDeadline: null,
        participationDeadline: null,
        awardCriteria: [
          { type: "price", name: "Prix", weight: 60, weightCode: "per-exa" },
          { type: "quality", name: "Qualité", weight: 40, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: null,
      },
    ],
    awards: [
      {
        resultId: "RES-0001",
        lotId: "LOT-0001",
        resultCode: "selec-w",
        tenderId: "TEN-0001",
        tenderReference: "BID/ABC/2020-003",
        winners: [
          {
            organizationId: "ORG-0004",
            name: "Espaces Verts Lemire",
            nationalId: "326 912 557",
            country: "FRA",
            city: "Le Grand-Quevilly",
            groupLead: null,
          },
        ],
        amount: eur(95414),
        awardDate: "2019-09-01T22:00:00.000Z", // 2019-09-02+02:00
        contractConclusionDate: "2019-09-02T22:00:00.000Z", // 2019-09-03+02:00
        contractReference: "SC/ABC/234/01",
        tendersReceived: 3,
      },
      {
        resultId: "RES-0002",
        lotId: "LOT-0002",
        resultCode: "selec-w",
        tenderId: "TEN-0002",
        tenderReference: "BID/EFG/2020-001",
        winners: [
          {
            organizationId: "ORG-0005",
            name: "ID Verde SASU",
            nationalId: "339 609 661",
            country: "FRA",
            city: "Levallois-Perret,",
            groupLead: null,
          },
        ],
        amount: eur(26500),
        awardDate: "2019-09-01T22:00:00.000Z",
        contractConclusionDate: "2019-09-02T22:00:00.000Z",
        contractReference: "SC/DEF/124/01",
        tendersReceived: 2,
      },
    ],
    awardedValue: eur(390697.84),
  },
  {
    file: "can_81_FRA.xml",
    identity: {
      noticeId: "f71da99f-763b-43bd-a1bb-f54bf9560fd6",
      version: "01",
      kind: "CONTRACT_AWARD",
      rootElement: "ContractAwardNotice",
      subtype: "31",
      noticeTypeCode: "can-standard",
      formType: "result",
      legalBasis: "32009L0081",
      contractFolderId: "2d2d24a2-df84-449e-8695-fb66ef504a5a",
      language: "FRA",
      issueDate: "2021-05-11T17:00:00.000Z", // 2021-05-11+01:00 18:00:00+01:00
      publicationDate: null,
      requestedPublicationDate: null,
      plannedNoticeDate: null,
    },
    languages: ["FRA"],
    buyer: { ...CEA_BUYER, nuts: "FR104", legalType: "body-pl" },
    procedure: {
      title: CEA_TITLE,
      internalId: null,
      procedureType: "restricted",
      contractNature: "services",
      mainCpv: "71336000",
      cpvCodes: ["71336000"],
      place: { nuts: "FRL04", country: "FRA", city: null, region: null },
      placeCount: 1,
      estimatedValue: null,
      submissionDeadline: null,
      participationDeadline: null,
      awardCriteria: [
        { type: "quality", name: "crterion 1", weight: 50, weightCode: "per-exa" },
        { type: "quality", name: "crterion 2", weight: 20, weightCode: "per-exa" },
        { type: "quality", name: "criterion 3", weight: 20, weightCode: "per-exa" },
        { type: "quality", name: "criterion 4", weight: 10, weightCode: "per-exa" },
      ],
    },
    groupRules: NO_GROUP_RULES,
    lots: [
      {
        lotId: "LOT-0000",
        number: 0,
        scheme: "LOT",
        internalId: "1",
        title: CEA_TITLE,
        contractNature: "services",
        cpvCodes: ["71336000"],
        estimatedValue: null,
        place: { nuts: "FRL04", country: "FRA", city: null, region: null },
        submissionDeadline: null,
        participationDeadline: null,
        awardCriteria: [
          { type: "quality", name: "crterion 1", weight: 50, weightCode: "per-exa" },
          { type: "quality", name: "crterion 2", weight: 20, weightCode: "per-exa" },
          { type: "quality", name: "criterion 3", weight: 20, weightCode: "per-exa" },
          { type: "quality", name: "criterion 4", weight: 10, weightCode: "per-exa" },
        ],
        groupLegalFormRequired: null,
      },
    ],
    awards: [
      {
        resultId: "RES-0001",
        lotId: "LOT-0000",
        resultCode: "selec-w",
        tenderId: "TEN-0001",
        tenderReference: "BID-012-2010-01",
        winners: [
          {
            organizationId: "ORG-0005",
            name: "Assystem energy et infrastructure",
            nationalId: null,
            country: "FRA",
            city: "Courbevoie",
            groupLead: null,
          },
        ],
        amount: eur(375950),
        awardDate: "2021-04-19T22:00:00.000Z", // 2021-04-20+02:00
        contractConclusionDate: "2021-04-24T22:00:00.000Z", // 2021-04-25+02:00
        contractReference: "CRN - 2010/02",
        tendersReceived: 2,
      },
    ],
    awardedValue: eur(375950),
  },
];

describe("parseNotice on the eForms SDK example notices", () => {
  describe.each(CASES)("$file", (expected) => {
    const notice = parseNotice(fixture(expected.file));

    it("maps the identity, kind, version and dates", () => {
      expect(identity(notice)).toEqual(expected.identity);
    });

    it("maps the change information", () => {
      expect(changes(notice)).toEqual(expected.changes ?? NO_CHANGES);
    });

    it("keeps French text when there is any, else the notice language", () => {
      expect(notice.languages).toEqual(expected.languages);
    });

    it("maps the buyer", () => {
      expect(buyer(notice)).toEqual(expected.buyer);
      expect(notice.buyers).toHaveLength(1);
    });

    it("maps the procedure: title, CPV codes, place, value, deadlines, award criteria", () => {
      expect(procedure(notice)).toEqual(expected.procedure);
    });

    it("maps the rules for lots and groups of tenderers", () => {
      expect(notice.groupRules).toEqual(expected.groupRules);
    });

    it("maps every lot", () => {
      expect(notice.lots).toHaveLength(expected.lots.length);
      expect(notice.lots.map(lot)).toEqual(expected.lots);
    });

    it("maps the awards: winners, amounts, dates", () => {
      expect(notice.awards.map(award)).toEqual(expected.awards);
      expect(notice.awardedValue).toEqual(expected.awardedValue);
    });
  });

  it("keeps the procedure's multi-line description, trimmed line by line", () => {
    const notice = parseNotice(fixture("cn_24_minimal.xml"));
    expect(notice.description).toBe(
      "Provision of IT services related to the information systems of the publications office (namely EUR-Lex, N-Lex, and Search Layer),\n" +
        "with the possibility to extend the provision to other information systems.",
    );
  });

  it("maps the group of lots of the maximal notice", () => {
    const notice = parseNotice(fixture("cn_24_maximal.xml"));
    expect(notice.lotGroups).toHaveLength(1);
    const [group] = notice.lotGroups;
    if (!group) throw new Error("the maximal notice has no group of lots");
    expect(group.groupId).toBe("GLO-0001");
    expect(group.lotIds).toEqual(["LOT-0001", "LOT-0002"]);
    expect(group.title).toBe("Title ---");
    expect(group.estimatedValue).toEqual(eur(9999999.99));
    expect(criteria(group.awardCriteria)).toEqual([
      { type: "cost", name: "name of AC ---", weight: 60, weightCode: "per-exa" },
      { type: "quality", name: "Name of AC ---", weight: 40, weightCode: "per-exa" },
    ]);
    expect(notice.places.map((place) => place.region)).toEqual([null, "anyw-eea"]);
    expect(notice.places[0]?.street).toBe("Bruce Wayne House, 2 Gotham Street");
    expect(notice.organizations.map((organization) => organization.organizationId)).toEqual([
      "ORG-0001",
      "ORG-0002",
      "ORG-0003",
      "ORG-0004",
      "ORG-0005",
      "ORG-0006",
      "ORG-0007",
    ]);
  });

  it("keeps the French variants of the multilingual notice", () => {
    const notice = parseNotice(fixture("cn_24_multilingual.xml"));
    expect(notice.description).toBe(
      "Fourniture de services informatiques liés aux systèmes d'information de l'Office des publications (à savoir EUR-Lex, N-Lex et Search Layer), avec la possibilité d'étendre cette prestation à d'autres systèmes d'information.",
    );
    expect(notice.place?.description).toBe("Le lieu d'exécution principal correspond aux locaux du contractant et du pouvoir adjudicateur.");
    expect(notice.awardCriteria.map((criterion) => criterion.description)).toEqual([
      "Critères d'attribution tels qu'énoncés dans le dossier d'appel d'offres",
      "Critères d'attribution tels qu'énoncés dans le dossier d'appel d'offres",
    ]);
    expect(notice.organizations.find((organization) => organization.organizationId === "ORG-0002")?.name).toBe("Tribunal");
  });

  it("keeps each lot's own criterion descriptions, the notice those of the first lot", () => {
    const notice = parseNotice(fixture("cn_24_FRA_comments.xml"));
    expect(notice.lots[1]?.awardCriteria[0]?.description).toBe("Le prix contribue for 40 % …");
    expect(notice.awardCriteria[0]?.description).toBe("Le prix contribue for 60 % …");
  });

  it("decodes XML entities in texts (roofing materials &amp; services)", () => {
    const notice = parseNotice(fixture("pin-only_24_lots.xml"));
    expect(notice.lots[5]?.description).toContain("all grades of roofing materials & associated services");
  });

  it("gives the lot description of the defence notice line by line", () => {
    const notice = parseNotice(fixture("cn_81_FRA.xml"));
    expect(notice.lots[0]?.description?.split("\n")[0]).toBe("Prestation composée de trois missions principales:");
    expect(notice.lots[0]?.place?.description).toBe("United Kingdom");
  });

  it("links the change notice to the notice it cancels", () => {
    const original = parseNotice(fixture("cn_24_minimal.xml"));
    const change = parseNotice(fixture("change-cn_24_void.xml"));
    expect(change.changedNoticeId).toBe(original.noticeId);
    expect(change.changedNoticeVersion).toBe(original.version);
    expect(change.contractFolderId).toBe(original.contractFolderId);
  });

  it("lists the organisations with their size", () => {
    const notice = parseNotice(fixture("can_24_FRA_comments.xml"));
    const winner = notice.organizations.find((organization) => organization.organizationId === "ORG-0005");
    expect(winner).toMatchObject({ name: "ID Verde SASU", size: "medium", postcode: "92309", url: "https://idverde.com/" });
  });
});

describe("parseNotice rejects the invalid example notices", () => {
  it("INVALID_cn_24_empty.xml: no identifier, procedure identifier, title, version, buyer reference or lot", () => {
    const error = noticeError(() => parseNotice(fixture("INVALID_cn_24_empty.xml")));
    expect(error.path).toBe("ContractNotice/cbc:ID");
    expect(error.message).toMatch(/^ContractNotice\/cbc:ID: missing notice identifier \(BT-701\)/);
    expect(error.issues).toEqual([
      { path: "ContractNotice/cbc:ID", message: "missing notice identifier (BT-701)" },
      { path: "ContractNotice/cbc:ContractFolderID", message: "missing procedure identifier (BT-04)" },
      { path: "ContractNotice/cac:ProcurementProject/cbc:Name", message: "missing procedure title (BT-21)" },
      { path: "ContractNotice/cbc:VersionID", message: "missing notice version (BT-757)" },
      {
        path: "ContractNotice/cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID",
        message: "contracting party without organisation reference (OPT-300)",
      },
      {
        path: "ContractNotice/cac:ProcurementProjectLot",
        message: "no lot (BT-137): a contract or award notice has at least one",
      },
    ]);
  });

  it("INVALID_cn_24_multiple.xml: an empty organisation, two main CPV codes, two English titles", () => {
    const error = noticeError(() => parseNotice(fixture("INVALID_cn_24_multiple.xml")));
    const organizations = "ContractNotice/ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent/efext:EformsExtension/efac:Organizations";
    expect(error.path).toBe(`${organizations}/efac:Organization[3]`);
    expect(error.issues).toEqual([
      {
        path: `${organizations}/efac:Organization[3]`,
        message: "organisation without efac:Company (name, address, identifier)",
      },
      {
        path: "ContractNotice/cac:ProcurementProjectLot[1]/cac:ProcurementProject/cac:MainCommodityClassification",
        message: "2 elements where at most one is allowed",
      },
      {
        path: "ContractNotice/cac:ProcurementProjectLot[2]/cac:ProcurementProject/cbc:Name",
        message: "2 values in language ENG where one is allowed",
      },
    ]);
    expect(error.message).toContain("efac:Organization[3]: organisation without efac:Company");
    expect(error.message).toContain("cac:MainCommodityClassification: 2 elements where at most one is allowed");
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written notices

const NS = [
  'xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2"',
  'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"',
  'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"',
  'xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"',
  'xmlns:efac="http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1"',
  'xmlns:efbc="http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1"',
  'xmlns:efext="http://data.europa.eu/p27/eforms-ubl-extensions/1"',
].join(" ");

interface SnippetOptions {
  root?: string;
  namespaces?: string;
  extension?: string;
  head?: string;
  language?: string | null;
  project?: string;
  lots?: string[];
  tail?: string;
}

/** A contract notice with only what the mapping requires, plus the given parts. */
function snippet(options: SnippetOptions = {}): string {
  const root = options.root ?? "ContractNotice";
  const language = options.language === undefined ? "ENG" : options.language;
  const namespaces = (options.namespaces ?? NS).replace("ContractNotice-2", `${root}-2`);
  const lots = options.lots ?? [`<cac:ProcurementProjectLot><cbc:ID schemeName="Lot">LOT-0001</cbc:ID></cac:ProcurementProjectLot>`];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<${root} ${namespaces}>`,
    options.extension
      ? `<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>${options.extension}</efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`
      : "",
    options.head ?? `<cbc:ID schemeName="notice-id">00000000-0000-0000-0000-000000000001</cbc:ID><cbc:ContractFolderID>F-1</cbc:ContractFolderID>`,
    `<cbc:VersionID>01</cbc:VersionID>`,
    `<cbc:NoticeTypeCode listName="competition">cn-standard</cbc:NoticeTypeCode>`,
    language === null ? "" : `<cbc:NoticeLanguageCode>${language}</cbc:NoticeLanguageCode>`,
    `<cac:ProcurementProject>${options.project ?? `<cbc:Name languageID="ENG">Brand book</cbc:Name>`}</cac:ProcurementProject>`,
    ...lots,
    options.tail ?? "",
    `</${root}>`,
  ].join("\n");
}

function lotXml(id: string, inner = ""): string {
  return `<cac:ProcurementProjectLot><cbc:ID schemeName="Lot">${id}</cbc:ID>${inner}</cac:ProcurementProjectLot>`;
}

function deadline(date: string, time?: string): string {
  return `<cac:TenderingProcess><cac:TenderSubmissionDeadlinePeriod><cbc:EndDate>${date}</cbc:EndDate>${
    time ? `<cbc:EndTime>${time}</cbc:EndTime>` : ""
  }</cac:TenderSubmissionDeadlinePeriod></cac:TenderingProcess>`;
}

function criterionXml(type: string, name: string | null, weight: number | null): string {
  const parameter =
    weight === null
      ? ""
      : `<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension><efac:AwardCriterionParameter><efbc:ParameterCode listName="number-weight">per-exa</efbc:ParameterCode><efbc:ParameterNumeric>${weight}</efbc:ParameterNumeric></efac:AwardCriterionParameter></efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>`;
  return `<cac:SubordinateAwardingCriterion>${parameter}<cbc:AwardingCriterionTypeCode listName="award-criterion-type">${type}</cbc:AwardingCriterionTypeCode>${
    name === null ? "" : `<cbc:Name languageID="FRA">${name}</cbc:Name>`
  }</cac:SubordinateAwardingCriterion>`;
}

function termsXml(criteriaXml: string[]): string {
  return `<cac:TenderingTerms><cac:AwardingTerms><cac:AwardingCriterion>${criteriaXml.join("")}</cac:AwardingCriterion></cac:AwardingTerms></cac:TenderingTerms>`;
}

function organizationXml(id: string, name: string, extra = ""): string {
  return `<efac:Organization><efac:Company><cac:PartyIdentification><cbc:ID schemeName="organization">${id}</cbc:ID></cac:PartyIdentification><cac:PartyName><cbc:Name languageID="FRA">${name}</cbc:Name></cac:PartyName>${extra}</efac:Company></efac:Organization>`;
}

describe("parseNotice on hand-written notices", () => {
  it("maps a notice with only the mandatory parts, every optional part empty", () => {
    const notice = parseNotice(snippet());
    expect(notice).toMatchObject({
      noticeId: "00000000-0000-0000-0000-000000000001",
      version: "01",
      kind: "CONTRACT_NOTICE",
      subtype: null,
      noticeTypeCode: "cn-standard",
      contractFolderId: "F-1",
      language: "ENG",
      languages: ["ENG"],
      issueDate: null,
      buyer: null,
      buyers: [],
      organizations: [],
      title: "Brand book",
      description: null,
      procedureType: null,
      contractNature: null,
      mainCpv: null,
      cpvCodes: [],
      place: null,
      places: [],
      estimatedValue: null,
      submissionDeadline: null,
      awardCriteria: [],
      groupRules: NO_GROUP_RULES,
      lotGroups: [],
      awards: [],
      awardedValue: null,
    });
    expect(notice.lots.map(lot)).toEqual([
      {
        lotId: "LOT-0001",
        number: 1,
        scheme: "LOT",
        internalId: null,
        title: "Brand book", // the procedure title when the lot has none
        contractNature: null,
        cpvCodes: [],
        estimatedValue: null,
        place: null,
        submissionDeadline: null,
        participationDeadline: null,
        awardCriteria: [],
        groupLegalFormRequired: null,
      },
    ]);
  });

  it("maps a single lot and many lots alike; the notice deadline is the earliest", () => {
    const single = parseNotice(snippet({ lots: [lotXml("LOT-0001", deadline("2025-03-10+01:00", "12:00:00+01:00"))] }));
    expect(single.lots.map((item) => item.lotId)).toEqual(["LOT-0001"]);
    expect(iso(single.submissionDeadline)).toBe("2025-03-10T11:00:00.000Z");

    const many = parseNotice(
      snippet({
        lots: [
          lotXml("LOT-0001", deadline("2025-03-12+01:00", "12:00:00+01:00") + termsXml([criterionXml("price", "Prix", 40)])),
          lotXml("LOT-0002", deadline("2025-03-10+01:00", "17:30:00+01:00") + termsXml([criterionXml("price", "Prix", 60)])),
          lotXml("LOT-0003"),
        ],
      }),
    );
    expect(many.lots.map((item) => [item.lotId, item.number])).toEqual([
      ["LOT-0001", 1],
      ["LOT-0002", 2],
      ["LOT-0003", 3],
    ]);
    expect(iso(many.submissionDeadline)).toBe("2025-03-10T16:30:00.000Z");
    expect(many.awardCriteria).toEqual([]); // the lots do not share their criteria
    expect(many.lots[0]?.awardCriteria).toEqual([{ type: "price", name: "Prix", description: null, weight: 40, weightCode: "per-exa" }]);
  });

  it("numbers lots by position when their identifiers carry no number", () => {
    const notice = parseNotice(snippet({ lots: [lotXml("A"), lotXml("B")] }));
    expect(notice.lots.map((item) => [item.lotId, item.number])).toEqual([
      ["A", 1],
      ["B", 2],
    ]);
  });

  it("keeps English when a notice is in English only", () => {
    const notice = parseNotice(
      snippet({
        project: `<cbc:Name languageID="ENG">Printing of the annual report</cbc:Name><cbc:Description languageID="ENG">Two colours.</cbc:Description>`,
      }),
    );
    expect(notice.language).toBe("ENG");
    expect(notice.title).toBe("Printing of the annual report");
    expect(notice.description).toBe("Two colours.");
  });

  it("infers the language from the title when the notice declares none", () => {
    const french = parseNotice(snippet({ language: null, project: `<cbc:Name languageID="FRA">Charte graphique</cbc:Name>` }));
    expect([french.language, french.languages]).toEqual(["FRA", []]);
    const unknown = parseNotice(snippet({ language: null, project: `<cbc:Name>Charte graphique</cbc:Name>` }));
    expect([unknown.language, unknown.title]).toEqual(["und", "Charte graphique"]);
  });

  it("prefers French, then the notice language, then the first text", () => {
    const french = parseNotice(
      snippet({
        language: "DEU",
        project: `<cbc:Name languageID="ENG">Website</cbc:Name><cbc:Name languageID="FRA">Site web</cbc:Name><cbc:Name languageID="DEU">Webseite</cbc:Name>`,
      }),
    );
    expect(french.title).toBe("Site web");
    expect(french.language).toBe("DEU"); // French is not a language of the notice
    const german = parseNotice(
      snippet({ language: "DEU", project: `<cbc:Name languageID="ENG">Website</cbc:Name><cbc:Name languageID="DEU">Webseite</cbc:Name>` }),
    );
    expect(german.title).toBe("Webseite");
    const first = parseNotice(
      snippet({ language: "DEU", project: `<cbc:Name languageID="ITA">Sito web</cbc:Name><cbc:Name languageID="ENG">Website</cbc:Name>` }),
    );
    expect(first.title).toBe("Sito web");
  });

  it("collapses white space in titles, keeps no-break spaces, drops control characters", () => {
    const notice = parseNotice(snippet({ project: `<cbc:Name languageID="FRA">\n   Film\n\t institutionnel\u00a0: 2\u0085 min  </cbc:Name>` }));
    expect(notice.title).toBe("Film institutionnel\u00a0: 2 min");
  });

  it("combines deadline dates and times with their offsets", () => {
    const cases: [string, string | undefined, string][] = [
      ["2019-11-15+01:00", "12:00:00+01:00", "2019-11-15T11:00:00.000Z"],
      ["2019-07-15+02:00", "12:00:00+02:00", "2019-07-15T10:00:00.000Z"],
      ["2019-11-15Z", "12:00:00Z", "2019-11-15T12:00:00.000Z"],
      ["2019-11-15+01:00", "00:30:00+01:00", "2019-11-14T23:30:00.000Z"],
      ["2019-11-15+01:00", "12:00:00", "2019-11-15T11:00:00.000Z"], // the date's offset
      ["2019-11-15", "12:00:00", "2019-11-15T12:00:00.000Z"], // no offset at all: UTC
      ["2019-11-15+01:00", undefined, "2019-11-14T23:00:00.000Z"], // start of the day
    ];
    for (const [date, time, expected] of cases) {
      const notice = parseNotice(snippet({ lots: [lotXml("LOT-0001", deadline(date, time))] }));
      expect(iso(notice.lots[0]?.submissionDeadline ?? null)).toBe(expected);
    }
  });

  it("strips CPV check digits, keeps the main code first and drops duplicates", () => {
    const notice = parseNotice(
      snippet({
        project: `<cbc:Name>Campagne</cbc:Name>
          <cac:MainCommodityClassification><cbc:ItemClassificationCode listName="cpv">79341000-6</cbc:ItemClassificationCode></cac:MainCommodityClassification>
          <cac:AdditionalCommodityClassification><cbc:ItemClassificationCode listName="cpv">793421000</cbc:ItemClassificationCode></cac:AdditionalCommodityClassification>
          <cac:AdditionalCommodityClassification><cbc:ItemClassificationCode listName="cpv">79341000</cbc:ItemClassificationCode></cac:AdditionalCommodityClassification>
          <cac:AdditionalCommodityClassification><cbc:ItemClassificationCode listName="cpvsupp">AA01</cbc:ItemClassificationCode></cac:AdditionalCommodityClassification>`,
      }),
    );
    expect(notice.mainCpv).toBe("79341000");
    expect(notice.cpvCodes).toEqual(["79341000", "79342100"]);
  });

  it("reads amounts with their currency", () => {
    const notice = parseNotice(
      snippet({
        project: `<cbc:Name>Vidéo</cbc:Name><cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount currencyID="EUR">125000.50</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal>`,
        lots: [
          lotXml(
            "LOT-0001",
            `<cac:ProcurementProject><cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount currencyID="CHF">80000</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal></cac:ProcurementProject>`,
          ),
        ],
      }),
    );
    expect(notice.estimatedValue).toEqual({ amount: 125000.5, currency: "EUR" });
    expect(notice.lots[0]?.estimatedValue).toEqual({ amount: 80000, currency: "CHF" });
  });

  it("maps the buyer through its organisation, with French names", () => {
    const notice = parseNotice(
      snippet({
        extension: `<efac:Organizations>${organizationXml(
          "ORG-0001",
          "Région Bretagne",
          `<cac:PostalAddress><cbc:CityName>Rennes</cbc:CityName><cbc:PostalZone>35000</cbc:PostalZone><cbc:CountrySubentityCode listName="nuts">FRH03</cbc:CountrySubentityCode><cac:Country><cbc:IdentificationCode listName="country">FRA</cbc:IdentificationCode></cac:Country></cac:PostalAddress>`,
        )}</efac:Organizations>`,
        tail: "",
        head: `<cbc:ID schemeName="notice-id">N-1</cbc:ID><cbc:ContractFolderID>F-1</cbc:ContractFolderID>`,
      }).replace(
        "<cac:ProcurementProject>",
        `<cac:ContractingParty><cac:Party><cac:PartyIdentification><cbc:ID schemeName="organization">ORG-0001</cbc:ID></cac:PartyIdentification></cac:Party></cac:ContractingParty><cac:ProcurementProject>`,
      ),
    );
    expect(buyer(notice)).toEqual({
      organizationId: "ORG-0001",
      name: "Région Bretagne",
      nationalId: null,
      street: null,
      city: "Rennes",
      postcode: "35000",
      nuts: "FRH03",
      country: "FRA",
      email: null,
      url: null,
      legalType: null,
    });
  });

  it("maps a consortium of winners, a lot without winner and the notice value", () => {
    const extension = `
      <efac:NoticeResult>
        <cbc:TotalAmount currencyID="EUR">48000</cbc:TotalAmount>
        <efac:LotResult><cbc:ID schemeName="result">RES-0001</cbc:ID><cbc:TenderResultCode listName="winner-selection-status">selec-w</cbc:TenderResultCode>
          <efac:LotTender><cbc:ID schemeName="tender">TEN-0001</cbc:ID></efac:LotTender>
          <efac:TenderLot><cbc:ID schemeName="Lot">LOT-0001</cbc:ID></efac:TenderLot></efac:LotResult>
        <efac:LotResult><cbc:ID schemeName="result">RES-0002</cbc:ID><cbc:TenderResultCode listName="winner-selection-status">clos-nw</cbc:TenderResultCode>
          <efac:TenderLot><cbc:ID schemeName="Lot">LOT-0002</cbc:ID></efac:TenderLot></efac:LotResult>
        <efac:LotTender><cbc:ID schemeName="tender">TEN-0001</cbc:ID>
          <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">48000</cbc:PayableAmount></cac:LegalMonetaryTotal>
          <efac:TenderingParty><cbc:ID schemeName="tendering-party">TPA-0001</cbc:ID></efac:TenderingParty>
          <efac:TenderLot><cbc:ID schemeName="Lot">LOT-0001</cbc:ID></efac:TenderLot></efac:LotTender>
        <efac:TenderingParty><cbc:ID schemeName="tendering-party">TPA-0001</cbc:ID>
          <efac:Tenderer><cbc:ID schemeName="organization">ORG-0002</cbc:ID><efbc:GroupLeadIndicator>true</efbc:GroupLeadIndicator></efac:Tenderer>
          <efac:Tenderer><cbc:ID schemeName="organization">ORG-0003</cbc:ID><efbc:GroupLeadIndicator>false</efbc:GroupLeadIndicator></efac:Tenderer>
        </efac:TenderingParty>
      </efac:NoticeResult>
      <efac:Organizations>${organizationXml("ORG-0002", "Scop Imprimerie du Ponant")}${organizationXml("ORG-0003", "Coopérative Vidéo Ouest")}</efac:Organizations>`;
    const notice = parseNotice(snippet({ root: "ContractAwardNotice", extension, lots: [lotXml("LOT-0001"), lotXml("LOT-0002")] }));
    expect(notice.kind).toBe("CONTRACT_AWARD");
    expect(notice.awardedValue).toEqual(eur(48000));
    expect(notice.awards.map(award)).toEqual([
      {
        resultId: "RES-0001",
        lotId: "LOT-0001",
        resultCode: "selec-w",
        tenderId: "TEN-0001",
        tenderReference: null,
        winners: [
          { organizationId: "ORG-0002", name: "Scop Imprimerie du Ponant", nationalId: null, country: null, city: null, groupLead: true },
          { organizationId: "ORG-0003", name: "Coopérative Vidéo Ouest", nationalId: null, country: null, city: null, groupLead: false },
        ],
        amount: eur(48000),
        awardDate: null,
        contractConclusionDate: null,
        contractReference: null,
        tendersReceived: null,
      },
      {
        resultId: "RES-0002",
        lotId: "LOT-0002",
        resultCode: "clos-nw",
        tenderId: null,
        tenderReference: null,
        winners: [],
        amount: null,
        awardDate: null,
        contractConclusionDate: null,
        contractReference: null,
        tendersReceived: null,
      },
    ]);
  });

  it("maps a change notice's changes", () => {
    const notice = parseNotice(
      snippet({
        extension: `<efac:Changes><efbc:ChangedNoticeIdentifier>00000000-0000-0000-0000-000000000009-02</efbc:ChangedNoticeIdentifier>
          <efac:Change><efbc:ChangeDescription languageID="ENG">New deadline.</efbc:ChangeDescription><efbc:ChangeDescription languageID="FRA">Nouvelle date limite.</efbc:ChangeDescription>
            <efac:ChangedSection><efbc:ChangedSectionIdentifier>LOT-0001</efbc:ChangedSectionIdentifier></efac:ChangedSection></efac:Change>
          <efac:ChangeReason><cbc:ReasonCode listName="change-corrig-justification">update-add</cbc:ReasonCode></efac:ChangeReason></efac:Changes>`,
      }),
    );
    expect(changes(notice)).toEqual({
      changedNoticeId: "00000000-0000-0000-0000-000000000009",
      changedNoticeVersion: "02",
      changeReasonCode: "update-add",
      changeDescription: "Nouvelle date limite.",
      changedSections: ["LOT-0001"],
    });
    expect(notice.kind).toBe("CHANGE");
  });

  it("reads notices that bind other namespace prefixes", () => {
    const namespaces = NS.replace("xmlns:cbc=", "xmlns:b=").replace("xmlns:cac=", "xmlns:a=");
    const xml = snippet({ namespaces })
      .replace(/<(\/?)cbc:/g, "<$1b:")
      .replace(/<(\/?)cac:/g, "<$1a:");
    const notice = parseNotice(xml);
    expect(notice.noticeId).toBe("00000000-0000-0000-0000-000000000001");
    expect(notice.title).toBe("Brand book");
    expect(notice.lots.map((item) => item.lotId)).toEqual(["LOT-0001"]);
  });

  it("decodes the predefined entities and character references once, and CDATA as is", () => {
    const notice = parseNotice(
      snippet({
        project: `<cbc:Name languageID="FRA">Dupont &amp;#38; Fils &#8211; caf&#xE9; &lt;b&gt;</cbc:Name><cbc:Description languageID="FRA"><![CDATA[a &amp; b <i>]]></cbc:Description>`,
      }),
    );
    expect(notice.title).toBe("Dupont &#38; Fils – café <b>");
    expect(notice.description).toBe("a &amp; b <i>");
  });

  it("accepts a prior information notice without procedure identifier, not a contract notice", () => {
    const head = `<cbc:ID schemeName="notice-id">N-2</cbc:ID>`;
    const pin = parseNotice(snippet({ root: "PriorInformationNotice", head, lots: [] }));
    expect(pin.kind).toBe("PRIOR_INFORMATION");
    expect(pin.contractFolderId).toBeNull();
    expect(pin.lots).toEqual([]);
    const error = noticeError(() => parseNotice(snippet({ head })));
    expect(error.path).toBe("ContractNotice/cbc:ContractFolderID");
    expect(error.message).toBe("ContractNotice/cbc:ContractFolderID: missing procedure identifier (BT-04)");
  });
});

describe("parseNotice rejects what it cannot map", () => {
  it("rejects a notice without identifier", () => {
    const error = noticeError(() => parseNotice(snippet({ head: `<cbc:ContractFolderID>F-1</cbc:ContractFolderID>` })));
    expect(error.path).toBe("ContractNotice/cbc:ID");
    expect(error.message).toBe("ContractNotice/cbc:ID: missing notice identifier (BT-701)");
  });

  it("rejects a notice without title", () => {
    const error = noticeError(() => parseNotice(snippet({ project: `<cbc:Description>Sans titre</cbc:Description>` })));
    expect(error.path).toBe("ContractNotice/cac:ProcurementProject/cbc:Name");
    expect(error.message).toContain("missing procedure title (BT-21)");
  });

  it("rejects a notice with two identifiers", () => {
    const error = noticeError(() => parseNotice(snippet({ head: `<cbc:ID>N-1</cbc:ID><cbc:ID>N-2</cbc:ID><cbc:ContractFolderID>F-1</cbc:ContractFolderID>` })));
    expect(error.path).toBe("ContractNotice/cbc:ID");
    expect(error.message).toBe("ContractNotice/cbc:ID: 2 elements where at most one is allowed");
  });

  it("rejects malformed values: date, amount, CPV code, weight", () => {
    const cases: [SnippetOptions, string, string][] = [
      [
        { lots: [lotXml("LOT-0001", deadline("2019-02-30+01:00", "12:00:00+01:00"))] },
        "ContractNotice/cac:ProcurementProjectLot/cac:TenderingProcess/cac:TenderSubmissionDeadlinePeriod/cbc:EndDate",
        'invalid date "2019-02-30+01:00 12:00:00+01:00" (date and time)',
      ],
      [{ lots: [lotXml("LOT-0001", deadline("2019-02-10+01:00", "25:00:00+01:00"))] }, "cbc:EndDate", "invalid date"],
      [
        {
          project: `<cbc:Name>X</cbc:Name><cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount currencyID="EUR">12,5</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal>`,
        },
        "ContractNotice/cac:ProcurementProject/cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount",
        'invalid amount "12,5"',
      ],
      [
        {
          project: `<cbc:Name>X</cbc:Name><cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount>12</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal>`,
        },
        "ContractNotice/cac:ProcurementProject/cac:RequestedTenderTotal/cbc:EstimatedOverallContractAmount",
        "amount without a valid currencyID",
      ],
      [
        {
          project: `<cbc:Name>X</cbc:Name><cac:MainCommodityClassification><cbc:ItemClassificationCode listName="cpv">7934</cbc:ItemClassificationCode></cac:MainCommodityClassification>`,
        },
        "ContractNotice/cac:ProcurementProject/cac:MainCommodityClassification/cbc:ItemClassificationCode",
        'invalid CPV code "7934" (BT-262)',
      ],
      [{ lots: [lotXml("LOT-0001", termsXml([criterionXml("price", "Prix", Number.NaN)]))] }, "efbc:ParameterNumeric", 'invalid number "NaN"'],
    ];
    for (const [options, path, message] of cases) {
      const error = noticeError(() => parseNotice(snippet(options)));
      expect(error.path).toContain(path);
      expect(error.message).toContain(message);
    }
  });

  it("rejects references to organisations or lots the notice does not define", () => {
    const buyerError = noticeError(() =>
      parseNotice(
        snippet().replace(
          "<cac:ProcurementProject>",
          `<cac:ContractingParty><cac:Party><cac:PartyIdentification><cbc:ID>ORG-0404</cbc:ID></cac:PartyIdentification></cac:Party></cac:ContractingParty><cac:ProcurementProject>`,
        ),
      ),
    );
    expect(buyerError.path).toBe("ContractNotice/cac:ContractingParty/cac:Party/cac:PartyIdentification/cbc:ID");
    expect(buyerError.message).toContain("organisation ORG-0404, which the notice does not define");

    const lotError = noticeError(() =>
      parseNotice(
        snippet({
          root: "ContractAwardNotice",
          extension: `<efac:NoticeResult><efac:LotResult><cbc:ID>RES-0001</cbc:ID><efac:TenderLot><cbc:ID>LOT-0009</cbc:ID></efac:TenderLot></efac:LotResult></efac:NoticeResult>`,
        }),
      ),
    );
    expect(lotError.path).toMatch(/efac:NoticeResult\/efac:LotResult\/efac:TenderLot\/cbc:ID$/);
    expect(lotError.message).toContain("result for lot LOT-0009, which the notice does not define");
  });

  it("rejects malformed XML", () => {
    const error = noticeError(() => parseNotice(`<ContractNotice><cbc:ID>1</cbc:ID>`));
    expect(error.path).toBe("(xml)");
    expect(error.message).toMatch(/^\(xml\): malformed XML at line 1/);
    expect(noticeError(() => parseNotice(snippet().replace("</cbc:VersionID>", "</cbc:Version>"))).path).toBe("(xml)");
  });

  it("rejects what is not XML", () => {
    expect(noticeError(() => parseNotice("%PDF-1.7 not a notice")).path).toBe("(xml)");
    expect(noticeError(() => parseNotice('{"noticeId": 1}')).path).toBe("(xml)");
    expect(noticeError(() => parseNotice("")).message).toBe("(input): the notice is empty");
    expect(noticeError(() => parseNotice("   \n ")).path).toBe("(input)");
    expect(noticeError(() => parseNotice(null as unknown as string)).message).toBe("(input): the notice must be XML text");
  });

  it("rejects entity expansion and external entities (DOCTYPE)", () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ContractNotice><cbc:ID>&lol3;</cbc:ID></ContractNotice>`;
    const error = noticeError(() => parseNotice(laughs));
    expect(error.path).toBe("(xml)");
    expect(error.message).toContain("DOCTYPE and ENTITY declarations are not allowed");
    const external = `<?xml version="1.0"?><!DOCTYPE ContractNotice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${snippet()
      .replace(`<?xml version="1.0" encoding="UTF-8"?>`, "")
      .replace("Brand book", "&xxe;")}`;
    expect(noticeError(() => parseNotice(external)).path).toBe("(xml)");
  });

  it("rejects an unsupported root element", () => {
    const error = noticeError(() =>
      parseNotice(`<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>`),
    );
    expect(error.path).toBe("Invoice");
    expect(error.message).toBe("Invoice: unsupported root element Invoice: expected ContractNotice, PriorInformationNotice or ContractAwardNotice");
  });

  it("rejects inputs larger than 5 MB before parsing", () => {
    const huge = snippet({ project: `<cbc:Name>X</cbc:Name><cbc:Description>${"a".repeat(MAX_NOTICE_BYTES)}</cbc:Description>` });
    const error = noticeError(() => parseNotice(huge));
    expect(error.path).toBe("(input)");
    expect(error.message).toContain("larger than 5242880 bytes");
  });

  it("rejects deep nesting and element names that could pollute prototypes, without crashing", () => {
    const deep = snippet({ project: `<cbc:Name>X</cbc:Name>${"<cbc:Note>".repeat(150)}${"</cbc:Note>".repeat(150)}` });
    expect(noticeError(() => parseNotice(deep)).path).toBe("(xml)");
    const proto = snippet({ project: `<cbc:Name>X</cbc:Name><constructor>1</constructor><__proto__>2</__proto__>` });
    expect(() => {
      try {
        parseNotice(proto);
      } catch (error) {
        if (!(error instanceof NoticeError)) throw error;
      }
    }).not.toThrow();
  });
});

describe("value helpers", () => {
  it("parses eForms dates with separate offsets", () => {
    expect(parseDateTime("2019-11-15+01:00", "12:00:00+01:00")?.toISOString()).toBe("2019-11-15T11:00:00.000Z");
    expect(parseDateTime("2019-11-15T12:00:00+01:00")?.toISOString()).toBe("2019-11-15T11:00:00.000Z");
    expect(parseDateTime("15/11/2019")).toBeNull();
    expect(parseDateTime("2019-11-15+15:00")).toBeNull();
  });

  it("normalises CPV codes", () => {
    expect(cpvDigits("72230000")).toBe("72230000");
    expect(cpvDigits("72230000-6")).toBe("72230000");
    expect(cpvDigits("722300006")).toBe("72230000");
    expect(cpvDigits("72230000 - 6")).toBe("72230000");
    expect(cpvDigits("7223000")).toBeNull();
    expect(cpvDigits("CPV72230000")).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Robustness: remove every kind of element from every valid example notice in turn; the mapping
// must either succeed or reject the notice with a NoticeError, never crash with a TypeError.

describe("robustness to missing parts", () => {
  const options = {
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    parseTagValue: false,
    processEntities: false,
    trimValues: false,
  };
  const reader = new XMLParser(options);
  const writer = new XMLBuilder({ ...options, suppressEmptyNode: false });

  type Node = Record<string, unknown>;
  const tagOf = (node: Node): string | undefined => Object.keys(node).find((key) => key !== ":@" && key !== "#text");

  function names(nodes: unknown, found: Set<string>): Set<string> {
    if (Array.isArray(nodes)) {
      for (const node of nodes as Node[]) {
        const tag = tagOf(node);
        if (tag !== undefined && !tag.startsWith("?")) {
          found.add(tag);
          names(node[tag], found);
        }
      }
    }
    return found;
  }

  function without(nodes: unknown, name: string): unknown {
    if (!Array.isArray(nodes)) return nodes;
    return (nodes as Node[])
      .filter((node) => tagOf(node) !== name)
      .map((node) => {
        const tag = tagOf(node);
        return tag === undefined ? node : { ...node, [tag]: without(node[tag], name) };
      });
  }

  // cn_24_multilingual.xml is left out for time: its elements are those of cn_24_maximal.xml.
  const valid = CASES.map((item) => item.file).filter((file) => file !== "cn_24_multilingual.xml");

  it.each(valid)("%s survives the removal of any element", (file) => {
    const tree: unknown = reader.parse(fixture(file));
    const rootName = tagOf((tree as Node[]).find((node) => !(tagOf(node) ?? "?").startsWith("?")) ?? {});
    let mapped = 0;
    let rejected = 0;
    for (const name of names(tree, new Set<string>())) {
      if (name === rootName) continue;
      const xml = String(writer.build(without(tree, name)));
      try {
        parseNotice(xml);
        mapped += 1;
      } catch (error) {
        if (!(error instanceof NoticeError)) throw new Error(`without ${name}: ${String(error)}`);
        rejected += 1;
      }
    }
    expect(mapped).toBeGreaterThan(rejected);
  });
});
