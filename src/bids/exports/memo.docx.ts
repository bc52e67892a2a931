import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from "docx";
import type { ExportData } from "./export.data";

const ROLE: Record<string, string> = { LEAD: "Mandataire", MEMBER: "Cotraitant", SUBCONTRACTOR: "Sous-traitant" };
const GROUP: Record<string, string> = {
  CONJOINT: "Groupement conjoint",
  SOLIDAIRE: "Groupement solidaire",
  CONJOINT_WITH_SOLIDARY_LEAD: "Groupement conjoint avec mandataire solidaire",
};

const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
const row = (cells: string[]) => new TableRow({ children: cells.map(cell) });

/** The technical memo (mémoire technique): the group, its lots, then the sections in order. */
export async function memoDocx(data: ExportData): Promise<Buffer> {
  const nameOf = new Map(data.members.map((m) => [m.id, m.name]));
  const composition = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [row(["Membre", "Rôle", "SIRET", "Commune"]), ...data.members.map((m) => row([m.name, ROLE[m.role] ?? m.role, m.siret, m.city ?? ""]))],
  });
  const lots = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      row(["Lot", "Intitulé", "Exécuté par"]),
      ...data.lots.map((l) => row([String(l.number), l.title, l.memberIds.map((id) => nameOf.get(id) ?? "").join(", ")])),
    ],
  });
  const sections = data.sections.flatMap((s) => [
    new Paragraph({ text: s.title, heading: HeadingLevel.HEADING_2 }),
    // One paragraph per line of the section's text, as it was typed.
    ...(s.text === "" ? [new Paragraph("")] : s.text.split("\n").map((line) => new Paragraph(line))),
  ]);
  const doc = new Document({
    creator: "Scopgraph",
    title: `Mémoire technique — ${data.title}`,
    sections: [
      {
        children: [
          new Paragraph({ text: "Mémoire technique", heading: HeadingLevel.TITLE }),
          new Paragraph({ children: [new TextRun({ text: data.tender.title, bold: true })] }),
          new Paragraph(`Acheteur : ${data.tender.buyerName}`),
          new Paragraph(`Offre : ${data.title} — ${GROUP[data.groupType] ?? data.groupType}`),
          new Paragraph({ text: "Composition du groupement", heading: HeadingLevel.HEADING_1 }),
          composition,
          new Paragraph({ text: "Lots et répartition", heading: HeadingLevel.HEADING_1 }),
          lots,
          new Paragraph({ text: "Mémoire", heading: HeadingLevel.HEADING_1 }),
          ...sections,
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
